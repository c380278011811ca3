/**
 * Payouts with their amounts (what each protocol paid out, in its token and in USD at that moment) and what the
 * network holds back, as each node reports it (Storj's held amount). The overview lists every protocol; a node
 * page lists its own.
 */
import { card, empty, fill, h } from '../dom';
import { ago, time, tokenAmount, usd } from '../format';
import type { Payouts } from '../model';
import { nodeLink } from './node-link';

/** The year of payouts up to `now` (the latest snapshot's time: the server's clock, not this browser's). */
export function payoutsQuery(now: number, protocol?: string): Record<string, string | number | undefined> {
  return { from: new Date(now - 365 * 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString(), protocol, limit: 100 };
}

/** How many payouts a card lists (the newest). */
const SHOWN = 20;

export function createPayoutsCard(options: { title?: string; withProtocol?: boolean } = {}): { root: HTMLElement; render(answer: Payouts | null, now?: number): void } {
  const withProtocol = options.withProtocol ?? true;
  const c = card(options.title ?? 'Payouts and held amounts', 'payouts');
  fill(c.body, empty('Loading…', 'payouts-empty'));
  return {
    root: c.root,
    render(answer, now = Date.now()) {
      if (!answer) return fill(c.body, empty('Payouts could not be read.', 'payouts-empty'));
      const held = answer.held.length
        ? h(
            'dl',
            { class: 'facts', testid: 'held-amounts' },
            answer.held.flatMap((x) => [
              h('dt', {}, withProtocol ? `Held back (${x.protocol})` : 'Held back by the network'),
              h('dd', { testid: 'held-row', 'data-protocol': x.protocol, 'data-held': String(x.heldTokens) }, tokenAmount(x.heldTokens, x.token)),
            ]),
          )
        : null;
      const list = answer.payouts.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { testid: 'payouts-table' },
              h('thead', {}, h('tr', {}, ['When', ...(withProtocol ? ['Protocol'] : []), 'Amount', 'USD then'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                answer.payouts.slice(0, SHOWN).map((p) =>
                  h(
                    'tr',
                    { testid: 'payout-row', 'data-protocol': p.protocol, 'data-tokens': String(p.tokens), 'data-usd': String(p.usd) },
                    h('td', { title: time(p.time) }, ago(p.time, now)),
                    withProtocol ? h('td', {}, nodeLink(p.protocol)) : null,
                    h('td', { class: 'num', testid: 'payout-amount' }, tokenAmount(p.tokens, p.token)),
                    h('td', { class: 'num', testid: 'payout-usd' }, usd(p.usd, 2)),
                  ),
                ),
              ),
            ),
          )
        : empty('No payout seen yet: a payout shows when a node\'s counter falls and stays down.', 'payouts-none');
      fill(c.body, held, list);
    },
  };
}
