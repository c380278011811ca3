/**
 * Which reallocations touched a node, and the node's own earnings in the hour before each change and the hour
 * after it: pure, so the node page and its unit test share it. Imports carry `.js` so the server's type check can
 * follow them from test/web.
 */
import type { Reallocation } from '../../server-types.js';

const HOUR = 3_600_000;
const RESOURCES = ['cpu', 'memory', 'bandwidth', 'storage'] as const;

export interface NodePoint {
  time: number;
  usdPerHour: number | null;
}

export interface NodeEffect {
  reallocation: Reallocation;
  /** This node's own part of the projected change, USD/h; null when the decision did not record its split. */
  projected: number | null;
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
    out.push({ reallocation: r, projected: r.projectedDeltas?.[protocol] ?? null, changes, nodeBefore: mean(points, at - HOUR, at), nodeAfter: mean(points, done, done + HOUR) });
  }
  return out.sort((a, b) => Date.parse(b.reallocation.createdAt) - Date.parse(a.reallocation.createdAt));
}
