/**
 * Power and net earnings: per protocol gross, power cost and net (USD/h), the meters and their state, and the
 * host's draw over time. Figures from declared watts carry an "estimated" badge. Reads GET energy and
 * energy/history for the host the overview shows (`?host=`: a fleet host's figures as its agent sent them); hidden
 * while that host accounts no energy.
 */
import { ApiError, type Api } from '../api';
import { card, empty, fill, h } from '../dom';
import { ago, num, toMs, usd } from '../format';
import type { EnergyHistory, EnergyNow } from '../server-types';
import { createLineChart } from './line-chart';

const REFRESH_MS = 10_000;
const HISTORY_WINDOW_MS = 6 * 60 * 60_000;

/** USD with the sign before the currency symbol (-$0.0012). */
const signed = (value: number): string => (value < 0 ? `-${usd(-value)}` : usd(value));

function netCell(value: number): HTMLElement {
  return h('td', { class: `num ${value < 0 ? 'bad' : 'ok'}`, 'data-net': value.toFixed(6) }, signed(value));
}

/** `host`: the host the overview shows (undefined: this machine). */
export function createEnergyView(api: Api, host: () => string | undefined = () => undefined): { root: HTMLElement; start(): () => void; reload(): void } {
  const c = card('Power and net earnings', 'energy');
  const chart = createLineChart({
    title: 'Power over time (W)',
    testids: { card: 'power-card', chart: 'power-chart', points: 'power-points', empty: 'power-empty' },
    emptyText: 'No power points stored yet.',
    yLabel: 'W',
    axisValue: (v) => v.toFixed(0),
    legendValue: (v) => `${v.toFixed(1)} W`,
  });
  const root = h('div', { class: 'energy-views', hidden: true }, c.root, chart.root);
  fill(c.body, empty('No data yet.', 'energy-empty'));

  function render(e: EnergyNow): void {
    const badge = e.estimated ? h('span', { class: 'pill warn', testid: 'energy-estimated', title: e.estimatedReason ?? '' }, 'estimated') : null;
    const summary = h(
      'p',
      { testid: 'energy-summary' },
      `${num(e.hostWatts)?.toFixed(1) ?? '–'} W at ${e.pricePerKwh} ${e.currency}/kWh (${e.rate}): gross ${usd(e.grossUsdPerHour)}/h, power ${usd(e.powerCostUsdPerHour)}/h, net ${signed(e.netUsdPerHour)}/h `,
      badge,
    );
    const rows = e.protocols.map((p) =>
      h(
        'tr',
        { testid: 'energy-row', 'data-protocol': p.protocol },
        h('td', {}, p.protocol),
        h('td', { class: 'num' }, `${p.watts.toFixed(1)} W`),
        h('td', { class: 'num' }, usd(p.grossUsdPerHour)),
        h('td', { class: 'num' }, usd(p.powerCostUsdPerHour)),
        netCell(p.netUsdPerHour),
      ),
    );
    const meters = e.meters.map((m) =>
      h(
        'li',
        { testid: 'meter', 'data-meter': m.name, 'data-status': m.status },
        `${m.name} (${m.type} ${m.format}): `,
        h('span', { class: `pill ${m.status === 'ok' ? 'ok' : m.status === 'waiting' ? '' : 'bad'}`, title: m.error ?? '' }, m.status),
        m.watts === null ? '' : ` ${m.watts.toFixed(1)} W`,
        m.lastReadingAt ? `, ${ago(m.lastReadingAt)}` : '',
      ),
    );
    fill(
      c.body,
      summary,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'protocol'), h('th', {}, 'power'), h('th', {}, 'gross/h'), h('th', {}, 'power cost/h'), h('th', {}, 'net/h'))),
          h('tbody', {}, rows),
        ),
      ),
      h('p', { class: 'muted' }, e.basisNote),
      meters.length ? h('ul', { class: 'meters' }, meters) : h('p', { class: 'muted' }, 'No power meter configured: figures from declared watts.'),
    );
    chart.add([{ time: toMs(e.time), series: 'host', value: e.hostWatts }]);
  }

  async function load(): Promise<void> {
    const asked = host();
    try {
      const e = await api.get<EnergyNow>('energy', { host: asked });
      if (asked !== host()) return;
      root.hidden = false;
      render(e);
    } catch (err) {
      // 404: energy accounting is off (or a fleet host sends none); 503: no snapshot yet. Nothing to show.
      if (err instanceof ApiError && (err.status === 404 || err.status === 503)) {
        if (asked === host() && err.status === 404) root.hidden = true;
        return;
      }
      throw err;
    }
  }

  async function loadHistory(): Promise<void> {
    const asked = host();
    const to = new Date();
    const from = new Date(to.getTime() - HISTORY_WINDOW_MS);
    const history = await api.get<EnergyHistory>('energy/history', {
      from: from.toISOString(),
      to: to.toISOString(),
      host: asked,
    });
    if (asked !== host()) return;
    chart.add(history.points.map((p) => ({ time: toMs(p.time), series: 'host', value: p.hostWatts })));
  }

  const quiet = (err: unknown) => {
    if (!(err instanceof ApiError) || err.status !== 0) console.warn(err);
  };
  const loadAll = () =>
    void load()
      .then(() => (root.hidden ? undefined : loadHistory()))
      .catch(quiet);

  return {
    root,
    start() {
      loadAll();
      const timer = setInterval(() => void load().catch(quiet), REFRESH_MS);
      return () => clearInterval(timer);
    },
    /** Another host was picked: its figures and its history replace the shown ones. */
    reload() {
      chart.clear();
      fill(c.body, empty('No data yet.', 'energy-empty'));
      loadAll();
    },
  };
}
