/**
 * The reallocations that touched one node, with what was projected and what was measured: the plan's projected
 * gain and the whole-host gain measured by the engine, plus this node's own earnings in the hour before the change
 * and the hour after it (from its history).
 */
import { card, empty, fill, h } from '../../dom';
import { time, usd } from '../../format';
import type { Reallocation } from '../../server-types';

const HOUR = 3_600_000;
const RESOURCES = ['cpu', 'memory', 'bandwidth', 'storage'] as const;

export interface NodePoint {
  time: number;
  usdPerHour: number | null;
}

export interface NodeEffect {
  reallocation: Reallocation;
  /** This node's shares that changed: resource, before, after (percent of the host). */
  changes: { resource: string; before: number; after: number }[];
  /** This node's mean USD/h in the hour before the change and the hour after it; null without samples. */
  nodeBefore: number | null;
  nodeAfter: number | null;
}

function mean(points: NodePoint[], from: number, to: number): number | null {
  const values = points.filter((p) => p.time >= from && p.time < to && p.usdPerHour !== null).map((p) => p.usdPerHour as number);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** Reallocations (dry runs left out: they change nothing) whose plan moved this node's shares, newest first. */
export function nodeEffects(reallocations: Reallocation[], protocol: string, points: NodePoint[]): NodeEffect[] {
  const out: NodeEffect[] = [];
  for (const r of reallocations) {
    if (r.dryRun) continue;
    const before = r.before[protocol];
    const after = r.after[protocol];
    const changes = RESOURCES.filter((res) => (before?.[res] ?? 0) !== (after?.[res] ?? 0)).map((res) => ({
      resource: res,
      before: before?.[res] ?? 0,
      after: after?.[res] ?? 0,
    }));
    if (changes.length === 0 && !r.steps.some((s) => s.protocol === protocol)) continue;
    const at = Date.parse(r.createdAt);
    const done = r.finishedAt ? Date.parse(r.finishedAt) : at;
    out.push({ reallocation: r, changes, nodeBefore: mean(points, at - HOUR, at), nodeAfter: mean(points, done, done + HOUR) });
  }
  return out.sort((a, b) => Date.parse(b.reallocation.createdAt) - Date.parse(a.reallocation.createdAt));
}

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
              h('tr', {}, ['When', 'Outcome', 'This node\'s shares', 'Projected (all nodes)', 'Measured (all nodes)', 'This node before → after'].map((t) => h('th', {}, t))),
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
                  h('td', { class: 'num', testid: 'node-effect-projected' }, signed(r.projectedImprovementUsdPerHour), h('div', { class: 'muted small-text' }, `confidence ${(r.confidence * 100).toFixed(0)} %`)),
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
