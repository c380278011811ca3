import { storageRuled as isStorageRuled } from '../../domain/profile.js';
import { RESOURCES, type Resource, type ResourceShares } from '../../domain/resources.js';
import { type Bounds, capacityOf, currentShares, type OptimizerInput, pinnedProtocols, type ProtocolInput, round } from './types.js';

/**
 * Rules from the protocol profiles, applied to the policy bounds before any model is consulted:
 * - minimum useful shares: a connected protocol is never planned below the least share it can work with (one task
 *   slot, the memory a node needs to start), nor below the lowest share at which it was seen earning when it earned
 *   nothing below it;
 * - storage has its own rule: never below the data stored (cutting deletes data or forfeits collateral) unless the
 *   operator allows it; grown ahead of the fill when free disk exists and the node earns; otherwise left alone (never
 *   probed, never moved on a model's guess, since it answers over weeks).
 */

const EPS = 1e-9;
/** Days of fill an allocation is kept ahead of the data, and the margin below which it is grown. */
const FILL_AHEAD_DAYS = 21;
const GROW_WHEN_WITHIN_DAYS = 7;
/** A full node (data within this fraction of its allocation) is given this much more room, at least 2 points. */
const FULL_FRACTION = 0.95;
const FULL_GROWTH = 0.25;
/** Below this fraction of a protocol's best observed level, it "earned nothing" there. */
const NOTHING_FRACTION = 0.1;

const cloneBounds = (b: Bounds): Bounds => Object.fromEntries(Object.entries(b).map(([n, x]) => [n, { ...x, cpu: { ...x.cpu }, memory: { ...x.memory }, bandwidth: { ...x.bandwidth }, storage: { ...x.storage } }]));

/** The lowest observed share of `r` at which the protocol earned, when it was seen earning nothing at a lower one. */
export function learnedFloor(p: ProtocolInput, r: Resource): number {
  const levels = new Map<number, { sum: number; n: number }>();
  for (const o of p.observations) {
    const k = Math.round(o.shares[r] * 2) / 2;
    const g = levels.get(k) ?? { sum: 0, n: 0 };
    g.sum += o.usdPerHour;
    g.n++;
    levels.set(k, g);
  }
  const means = [...levels].map(([level, g]) => ({ level, mean: g.sum / g.n, n: g.n })).sort((a, b) => a.level - b.level);
  const best = Math.max(0, ...means.map((m) => m.mean));
  if (!(best > 0)) return 0;
  const nothing = means.filter((m) => m.n >= 2 && m.mean <= NOTHING_FRACTION * best);
  if (nothing.length === 0) return 0;
  const highestNothing = Math.max(...nothing.map((m) => m.level));
  const earning = means.find((m) => m.level > highestNothing && m.mean > NOTHING_FRACTION * best);
  return earning?.level ?? 0;
}

const storageRuled = (p: ProtocolInput) => isStorageRuled(p.profile);

/**
 * Storage targets: storage nodes keep at least their data, and grow ahead of the fill from free capacity first, then
 * from what nodes not paid on storage hold above their minimum. Returns null when no protocol has a storage profile
 * (the storage shares are then the model's, as for any resource).
 */
export function storageTargets(input: OptimizerInput, bounds: Bounds): { target: Record<string, number>; notes: Record<string, string> } | null {
  const ruled = input.protocols.filter(storageRuled);
  if (ruled.length === 0) return null;
  const pinned = pinnedProtocols(input);
  const target: Record<string, number> = {};
  const notes: Record<string, string> = {};
  for (const p of input.protocols) target[p.name] = currentShares(input, p.name).storage;
  const cap = capacityOf(input).storage;
  let free = cap - Object.values(target).reduce((s, x) => s + x, 0);
  const donors = input.protocols.filter((p) => !pinned.has(p.name) && !(p.profile?.paidOn.includes('storage') ?? true));
  for (const p of ruled) {
    if (pinned.has(p.name) || !p.connected || !(p.currentUsdPerHour > 0)) continue;
    const cur = target[p.name];
    const stored = Math.min(p.storedShare ?? 0, 100);
    const fill = p.fillSharePerDay ?? 0;
    let want = cur;
    if (fill > 0 && cur - stored < fill * GROW_WHEN_WITHIN_DAYS) want = stored + fill * FILL_AHEAD_DAYS;
    else if (stored >= FULL_FRACTION * cur && cur > 0) want = cur + Math.max(2, FULL_GROWTH * cur);
    want = Math.min(want, bounds[p.name].storage.hi);
    if (want - cur < 1) continue;
    let need = want - cur;
    const fromFree = Math.min(need, Math.max(0, free));
    free -= fromFree;
    need -= fromFree;
    let taken = fromFree;
    const room = donors.map((d) => ({ d, room: Math.max(0, target[d.name] - Math.max(bounds[d.name].storage.lo, d.profile?.minShare.storage ?? 0)) }));
    const total = room.reduce((s, x) => s + x.room, 0);
    if (need > 0 && total > 0) {
      const k = Math.min(1, need / total);
      for (const { d, room: x } of room) {
        target[d.name] = round(target[d.name] - k * x, 6);
        taken += k * x;
      }
    }
    if (taken < 1) continue;
    target[p.name] = round(cur + taken, 6);
    notes[p.name] =
      `storage grown ahead of the data (${round(stored, 2)} % stored, filling ${round(fill, 3)} %/day): ` + `${round(cur, 2)} → ${round(target[p.name], 2)} %`;
  }
  return { target, notes };
}

/** Policy bounds narrowed by the profiles: minimum useful shares, learned floors, and the storage rule. */
export function profileBounds(input: OptimizerInput, bounds: Bounds, storage: Record<string, number> | null): Bounds {
  const out = cloneBounds(bounds);
  const pinned = pinnedProtocols(input);
  const cap = capacityOf(input);
  for (const r of RESOURCES) {
    const raised: string[] = [];
    for (const p of input.protocols) {
      if (pinned.has(p.name) || !p.connected || !p.profile || (r === 'storage' && storage)) continue;
      const b = out[p.name][r];
      const floor = Math.max(p.profile.minShare[r], p.profile.paidOn.includes(r) ? learnedFloor(p, r) : 0);
      const lo = Math.max(b.lo, Math.min(floor, b.hi));
      if (lo > b.lo + EPS) {
        raised.push(p.name);
        out[p.name][r] = { lo, hi: b.hi };
      }
    }
    const floors = input.protocols.reduce((s, p) => s + out[p.name][r].lo, 0);
    if (floors > cap[r] + EPS) for (const n of raised) out[n][r] = { ...bounds[n][r] };
  }
  if (storage) {
    for (const p of input.protocols) {
      const x = storage[p.name];
      if (storageRuled(p)) {
        // Never below the data stored, even when disconnected (a restart does not delete data; a cut does).
        const floor = Math.min(x, Math.max(bounds[p.name].storage.lo, p.storedShare ?? 0));
        out[p.name].storage = { lo: Math.max(floor, x), hi: Math.max(floor, x) };
      } else {
        out[p.name].storage = { lo: x, hi: x };
      }
    }
  }
  return out;
}

/** The shares of `target` that the storage rule set, for the plan's explanation. */
export function describeFloors(p: ProtocolInput, b: Bounds[string], cur: ResourceShares): string | undefined {
  if (!p.profile) return undefined;
  const floors = RESOURCES.filter((r) => r !== 'storage' && b[r].lo > 0 && b[r].lo <= cur[r] + EPS && p.profile!.minShare[r] > 0).map(
    (r) => `${r} ≥ ${round(b[r].lo, 2)} %`,
  );
  return floors.length > 0 ? `profile ${p.profile.kind}: least useful share ${floors.join(', ')}` : `profile ${p.profile.kind}`;
}
