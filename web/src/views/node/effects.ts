/**
 * The reallocations that touched one node, with what was projected and what was measured: this node's own part of
 * the projected change (the whole plan's beside it) and the whole-host gain measured by the engine, plus this node's
 * own earnings in the hour before the change and the hour after it (from its history).
 */
import { card, empty, fill, h } from '../../dom';
import { time, usd } from '../../format';
import type { NodeEffect } from './node-effects';

export { type NodeEffect, type NodePoint, nodeEffects } from './node-effects';

function signed(value: number | null): string {
  if (value === null) return '–';
  return `${value >= 0 ? '+' : ''}${usd(value)}/h`;
}

export function createEffectsCard(): { root: HTMLElement; render(effects: NodeEffect[]): void } {
  const c = card('Reallocations that touched this node', 'node-effects');
  fill(c.body, empty('Loading…', 'node-effects-empty'));
  return {
    root: c.root,
    render(effects) {
      if (effects.length === 0) return fill(c.body, empty('No reallocation has changed this node\'s shares yet.', 'node-effects-empty'));
      fill(
        c.body,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { testid: 'node-effects-table' },
            h(
              'thead',
              {},
              h('tr', {}, ['When', 'Outcome', 'This node\'s shares', 'Projected (this node)', 'Measured (all nodes)', 'This node before → after'].map((t) => h('th', {}, t))),
            ),
            h(
              'tbody',
              {},
              effects.map((e) => {
                const r = e.reallocation;
                const measured = r.measuredBeforeUsdPerHour !== null && r.measuredAfterUsdPerHour !== null ? r.measuredAfterUsdPerHour - r.measuredBeforeUsdPerHour : null;
                const nodeDelta = e.nodeBefore !== null && e.nodeAfter !== null ? e.nodeAfter - e.nodeBefore : null;
                return h(
                  'tr',
                  { testid: 'node-effect-row', 'data-reallocation-id': r.id, 'data-status': r.status },
                  h('td', {}, time(r.createdAt)),
                  h('td', {}, h('span', { class: `pill ${r.status}` }, r.status), r.reason ? h('div', { class: 'muted small-text' }, r.reason) : null),
                  h('td', { testid: 'node-effect-shares' }, e.changes.map((ch) => `${ch.resource} ${ch.before.toFixed(1)} → ${ch.after.toFixed(1)} %`).join(', ') || '–'),
                  h(
                    'td',
                    { class: 'num', testid: 'node-effect-projected', 'data-projected': e.projected === null ? '' : String(e.projected) },
                    e.projected === null ? 'not recorded' : signed(e.projected),
                    h('div', { class: 'muted small-text', testid: 'node-effect-plan' }, `plan ${signed(r.projectedImprovementUsdPerHour)}, confidence ${(r.confidence * 100).toFixed(0)} %`),
                  ),
                  h('td', { class: 'num', testid: 'node-effect-measured' }, measured === null ? 'measuring…' : signed(measured)),
                  h(
                    'td',
                    { class: 'num', testid: 'node-effect-node' },
                    e.nodeBefore === null || e.nodeAfter === null ? 'not enough samples' : `${usd(e.nodeBefore)} → ${usd(e.nodeAfter)} (${signed(nodeDelta)})`,
                  ),
                );
              }),
            ),
          ),
        ),
      );
    },
  };
}
