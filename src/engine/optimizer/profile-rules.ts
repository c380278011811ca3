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
/** A node filling to within this many days of its allocation, or holding data within FULL_FRACTION of it, grows. */
const GROW_WHEN_WITHIN_DAYS = 7;
const FULL_FRACTION = 0.95;
/** Growth smaller than this (percent points) is not worth the restart it causes. */
const MIN_GROWTH = 1;
/** A share this close to its floor (percent points) is at it: restoring it would be a restart for nothing. */
const MIN_PROBE_GAP = 0.05;
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
 * Storage targets: storage nodes keep at least their data, and a node whose data is about to reach its allocation
 * (within a week at the measured fill rate, or already full) grows ahead of it, by the disk that earns nothing where
 * it is: capacity nobody holds, and what nodes not paid on storage hold above their minimum. Such disk has no other
 * use, a storage node can only fill what it is given, and every change of it restarts the node: so it is handed over
 * whole, in one move, split between the growing storage nodes as their fill rates. Returns null when no protocol has
 * a storage profile (the storage shares are then the model's, as for any resource).
 */
export function storageTargets(input: OptimizerInput, bounds: Bounds): { target: Record<string, number>; notes: Record<string, string> } | null {
  const ruled = input.protocols.filter(storageRuled);
  if (ruled.length === 0) return null;
  const pinned = pinnedProtocols(input);
  const target: Record<string, number> = {};
  const notes: Record<string, string> = {};
  for (const p of input.protocols) target[p.name] = currentShares(input, p.name).storage;
  const cap = capacityOf(input).storage;
  const free = Math.max(0, cap - Object.values(target).reduce((s, x) => s + x, 0));
  const growing = ruled.filter((p) => {
    if (pinned.has(p.name) || !p.connected || !(p.currentUsdPerHour > 0)) return false;
    const cur = target[p.name];
    const stored = Math.min(p.storedShare ?? 0, 100);
    const fill = p.fillSharePerDay ?? 0;
    return (fill > 0 && cur - stored < fill * GROW_WHEN_WITHIN_DAYS) || (cur > 0 && stored >= FULL_FRACTION * cur);
  });
  if (growing.length === 0) return { target, notes };
  const donors = input.protocols.filter((p) => !pinned.has(p.name) && !(p.profile?.paidOn.includes('storage') ?? true));
  const room = donors.map((d) => ({ d, room: Math.max(0, target[d.name] - Math.max(bounds[d.name].storage.lo, d.profile?.minShare.storage ?? 0)) }));
  const donated = room.reduce((s, x) => s + x.room, 0);
  // Each growing node's part of the idle disk: by fill rate (a node not measured filling yet counts as the slowest).
  const weights = growing.map((p) => Math.max(p.fillSharePerDay ?? 0, 1e-3));
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  const want = growing.map((p, i) => Math.max(0, Math.min(bounds[p.name].storage.hi, target[p.name] + ((free + donated) * weights[i]) / totalWeight) - target[p.name]));
  const need = want.reduce((s, x) => s + x, 0);
  if (need < MIN_GROWTH) return { target, notes };
  // Free capacity first; the rest from the donors, each in proportion to what it holds above its minimum.
  const fromDonors = Math.max(0, need - free);
  const k = donated > 0 ? Math.min(1, fromDonors / donated) : 0;
  const given = k * donated + Math.min(free, need);
  for (const { d, room: x } of room) if (k * x > 0) target[d.name] = round(target[d.name] - k * x, 6);
  growing.forEach((p, i) => {
    const cur = target[p.name];
    const add = (want[i] / need) * given;
    if (add < MIN_GROWTH) return;
    target[p.name] = round(cur + add, 6);
    const stored = Math.min(p.storedShare ?? 0, 100);
    notes[p.name] =
      `storage grown ahead of the data (${round(stored, 2)} % stored, filling ${round(p.fillSharePerDay ?? 0, 3)} %/day) ` +
      `by the disk no other node is paid for: ${round(cur, 2)} → ${round(target[p.name], 2)} %`;
  });
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

/**
 * A connected node holding less than its least useful share of something (its profile's minimum, or a share it was
 * seen earning nothing below) cannot work: an outage may have emptied it (a disconnected node may only give shares
 * back), and its samples below the minimum say nothing the model could use to bring it back. Those shares are raised
 * to the floor as a rule, not a bet on a model: from free capacity first, then from the others' shares above their
 * own floors, in proportion. Storage has its own rule. Returns null when nothing is short or the floors do not fit.
 */
export function restoreFloors(input: OptimizerInput, floors: Bounds): { target: Record<string, ResourceShares>; notes: Record<string, string> } | null {
  const pinned = pinnedProtocols(input);
  const cap = capacityOf(input);
  const target = Object.fromEntries(input.protocols.map((p) => [p.name, { ...currentShares(input, p.name) }]));
  const raised: Record<string, string[]> = {};
  for (const r of RESOURCES) {
    if (r === 'storage') continue;
    const short = input.protocols.filter((p) => p.connected && p.profile && !pinned.has(p.name) && target[p.name][r] < floors[p.name][r].lo - MIN_PROBE_GAP);
    if (short.length === 0) continue;
    const need = short.reduce((s, p) => s + floors[p.name][r].lo - target[p.name][r], 0);
    const free = Math.max(0, cap[r] - input.protocols.reduce((s, p) => s + target[p.name][r], 0));
    const donors = input.protocols
      .filter((p) => !short.includes(p) && !pinned.has(p.name))
      .map((p) => ({ name: p.name, room: Math.max(0, target[p.name][r] - floors[p.name][r].lo) }));
    const room = donors.reduce((s, d) => s + d.room, 0);
    const rest = Math.max(0, need - free);
    if (rest > room + EPS) continue;
    const k = room > 0 ? rest / room : 0;
    for (const d of donors) if (d.room > 0 && k > 0) target[d.name][r] = round(target[d.name][r] - k * d.room, 6);
    for (const p of short) {
      raised[p.name] = [...(raised[p.name] ?? []), `${r} ${round(target[p.name][r], 2)} → ${round(floors[p.name][r].lo, 2)} %`];
      target[p.name][r] = floors[p.name][r].lo;
    }
  }
  if (Object.keys(raised).length === 0) return null;
  const notes = Object.fromEntries(Object.entries(raised).map(([n, moves]) => [n, `${n} raised to its least useful share (${moves.join(', ')})`]));
  return { target, notes };
}

/** The shares of `target` that the storage rule set, for the plan's explanation. */
export function describeFloors(p: ProtocolInput, b: Bounds[string], cur: ResourceShares): string | undefined {
  if (!p.profile) return undefined;
  const floors = RESOURCES.filter((r) => r !== 'storage' && b[r].lo > 0 && b[r].lo <= cur[r] + EPS && p.profile!.minShare[r] > 0).map(
    (r) => `${r} ≥ ${round(b[r].lo, 2)} %`,
  );
  return floors.length > 0 ? `profile ${p.profile.kind}: least useful share ${floors.join(', ')}` : `profile ${p.profile.kind}`;
}
