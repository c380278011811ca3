/**
 * Earnings totals per protocol for the periods someone checks every morning: today, 7 days, 30 days and month to
 * date (UTC), each in USD and in the protocol's own token, with the payouts seen in the last 30 days. The figures
 * are the server's reports (the same numbers as `orcha report`).
 */
import { card, empty, fill, h } from '../dom';
import { usd } from '../format';
import { nodeLink } from './node-link';

export interface PeriodTotals {
  key: string;
  label: string;
  totalUsd: number;
  protocols: { protocol: string; token: string; usd: number; tokens: number; payoutEvents: number }[];
}

const DAY = 86_400_000;

/** The periods ending at `now` (the latest snapshot's time), their starts at UTC midnight / the 1st of the month. */
export function totalPeriods(now: number): { key: string; label: string; from: number; to: number }[] {
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return [
    { key: 'today', label: 'Today', from: midnight, to: now },
    { key: '7d', label: '7 days', from: now - 7 * DAY, to: now },
    { key: '30d', label: '30 days', from: now - 30 * DAY, to: now },
    { key: 'mtd', label: 'Month to date', from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: now },
  ];
}

function tokens(value: number, token: string): string {
  if (!Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 3 : 5;
  return `${value.toFixed(digits)} ${token}`;
}

/** `held`: per protocol, what the node says the network holds back, in its own unit (absent: not reported). */
export function createEarningsTotals(): { root: HTMLElement; render(periods: PeriodTotals[] | null, held?: ReadonlyMap<string, number>): void } {
  const c = card('Earnings totals (UTC days)', 'earnings-totals');
  fill(c.body, empty('Loading totals…', 'totals-empty'));
  return {
    root: c.root,
    render(periods, held = new Map()) {
      if (!periods || periods.length === 0) return fill(c.body, empty('No earnings recorded yet.', 'totals-empty'));
      const names = [...new Set(periods.flatMap((p) => p.protocols.map((x) => x.protocol)))].sort();
      const last30 = periods.find((p) => p.key === '30d');
      const tokenOf = (name: string) => periods.flatMap((p) => p.protocols).find((x) => x.protocol === name)?.token ?? '';
      const rows = names.map((name) =>
        h(
          'tr',
          { testid: 'totals-row', 'data-protocol': name },
          h('td', {}, nodeLink(name)),
          ...periods.map((period) => {
            const row = period.protocols.find((x) => x.protocol === name);
            return h(
              'td',
              { class: 'num', testid: `total-${period.key}`, 'data-usd': row ? String(row.usd) : '' },
              row ? usd(row.usd, 2) : '–',
              row ? h('div', { class: 'muted small-text' }, tokens(row.tokens, row.token)) : null,
            );
          }),
          h('td', { class: 'num', testid: 'total-payouts' }, String(last30?.protocols.find((x) => x.protocol === name)?.payoutEvents ?? 0)),
          h('td', { class: 'num', testid: 'total-held', 'data-held': held.get(name) ?? '' }, held.has(name) ? tokens(held.get(name)!, tokenOf(name)) : '–'),
        ),
      );
      const totalRow = h(
        'tr',
        { class: 'total-row', testid: 'totals-sum' },
        h('th', {}, 'All'),
        ...periods.map((period) => h('th', { class: 'num', testid: `total-${period.key}-sum` }, usd(period.totalUsd, 2))),
        h('th', {}, ''),
        h('th', {}, ''),
      );
      fill(
        c.body,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'protocol'), ...periods.map((p) => h('th', { class: 'num' }, p.label)), h('th', { class: 'num', title: 'Payouts (counter drops) in the last 30 days' }, 'payouts 30 d'), h('th', { class: 'num', title: 'Held back by the network (Storj held amount), as the node reports it' }, 'held'))),
            h('tbody', {}, ...rows, totalRow),
          ),
        ),
      );
    },
  };
}
