import type { ResourceShares } from '../../domain/resources.js';
import { type ConcaveCurve, concaveEnvelope } from '../optimizer/piecewise.js';

/**
 * Whether a storage node's fill rate (how fast the data it stores grows) answers its bandwidth share, measured on its
 * own history: the node can only store what reaches it over the network, but whether its bandwidth share is what
 * limits that depends on the network's demand, which orcha cannot see. So it is measured. Spans between consecutive
 * points where the node held the same bandwidth and storage shares and had room to fill (data below the allocation)
 * are grouped by bandwidth level; each level's fill rate is the data gained over the time spent there. The result is
 * the least concave majorant of (level, rate above the lowest level's rate): the extra fill, percent of the disk per
 * day, a bandwidth share buys, and the range of levels it was measured over. Null when fewer than two levels were each held long enough to read, or when the fill
 * does not rise with bandwidth beyond what the data's own steps could explain.
 */
export interface FillPoint {
  time: number;
  shares: ResourceShares;
  /** Data stored, percent of the disk. */
  storedShare: number;
}

const DAY_MS = 86_400_000;
/** A bandwidth level counts once the node filled (or had room to) for this long at it. */
const MIN_SPAN_MS = DAY_MS;
/** Shares closer than this (percent points) are the same level. */
const LEVEL = 0.5;
/** Data within this fraction of the allocation is full: its fill is capped by room, not by bandwidth. */
const FULL_FRACTION = 0.95;
/** A rise smaller than this fraction of the fastest level's rate is noise, not a link. */
const MIN_RISE_FRACTION = 0.2;

/** Each side of a bandwidth change is read over at least this long for the local test. */
const MIN_SIDE_MS = 6 * 3_600_000;
/** A local drop larger than this fraction, where bandwidth rose, contradicts a link. */
const CONTRADICTION = 0.1;

interface Run {
  bandwidth: number;
  storage: number;
  first: FillPoint;
  last: FillPoint;
  end: number;
}

/**
 * The local test: fill rates read just before and just after each change of the bandwidth share alone (same storage,
 * room to fill on both sides). A fill that drifts on its own (slowing as the disk fills, say) changes little across
 * one change, whichever way bandwidth went; a fill that bandwidth limits jumps with it. The link holds when the fill
 * followed bandwidth both ways (a rise sped it up and a cut slowed it, each by MIN_RISE_FRACTION), and no change moved
 * it clearly against bandwidth: a drift in one direction cannot pass for a link in both.
 */
function locallyLinked(points: FillPoint[]): boolean {
  const runs: Run[] = [];
  points.forEach((p, i) => {
    const room = p.storedShare < FULL_FRACTION * p.shares.storage;
    const last = runs.at(-1);
    if (room && last && last.end === i - 1 && Math.abs(last.bandwidth - p.shares.bandwidth) < 1e-6 && Math.abs(last.storage - p.shares.storage) < 1e-6) {
      last.last = p;
      last.end = i;
    } else if (room) runs.push({ bandwidth: p.shares.bandwidth, storage: p.shares.storage, first: p, last: p, end: i });
  });
  const rate = (r: Run) => (r.last.storedShare - r.first.storedShare) / (r.last.time - r.first.time);
  const readable = (r: Run) => r.last.time - r.first.time >= MIN_SIDE_MS;
  let up = false;
  let down = false;
  for (let j = 1; j < runs.length; j++) {
    const [a, b] = [runs[j - 1], runs[j]];
    if (!readable(a) || !readable(b) || Math.abs(a.storage - b.storage) > 1e-6) continue;
    if (b.first.time - a.last.time > 2 * 3_600_000) continue;
    const [lo, hi] = a.bandwidth < b.bandwidth ? [a, b] : [b, a];
    const [rl, rh] = [rate(lo), rate(hi)];
    if (rh > 0 && rh - rl > MIN_RISE_FRACTION * rh) {
      if (b === hi) up = true;
      else down = true;
    }
    if (rl > 0 && rl - rh > CONTRADICTION * rl) return false;
  }
  return up && down;
}

export function fillByBandwidth(points: FillPoint[]): (ConcaveCurve & { measured: [number, number] }) | null {
  const levels = new Map<number, { gained: number; ms: number }>();
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const same = Math.abs(a.shares.bandwidth - b.shares.bandwidth) < 1e-6 && Math.abs(a.shares.storage - b.shares.storage) < 1e-6;
    const room = b.storedShare < FULL_FRACTION * b.shares.storage && a.storedShare < FULL_FRACTION * a.shares.storage;
    if (!same || !room || b.time <= a.time || b.storedShare < a.storedShare) continue;
    const key = Math.round(a.shares.bandwidth / LEVEL) * LEVEL;
    const g = levels.get(key) ?? { gained: 0, ms: 0 };
    g.gained += b.storedShare - a.storedShare;
    g.ms += b.time - a.time;
    levels.set(key, g);
  }
  const rates = [...levels]
    .filter(([, g]) => g.ms >= MIN_SPAN_MS)
    .map(([level, g]) => ({ level, perDay: (g.gained * DAY_MS) / g.ms }))
    .sort((x, y) => x.level - y.level);
  if (rates.length < 2 || !locallyLinked(points)) return null;
  const base = rates[0].perDay;
  const fastest = Math.max(...rates.map((r) => r.perDay));
  if (!(fastest - base > MIN_RISE_FRACTION * fastest)) return null;
  const xs = [0, ...rates.map((r) => r.level).filter((l) => l > 0)];
  const ys = [0, ...rates.filter((r) => r.level > 0).map((r) => Math.max(0, r.perDay - base))];
  if (xs[xs.length - 1] < 100) {
    xs.push(100);
    ys.push(ys[ys.length - 1]);
  }
  const curve = concaveEnvelope(xs, ys);
  return curve.slopes.some((s) => s > 0) ? { ...curve, measured: [rates[0].level, rates[rates.length - 1].level] } : null;
}
