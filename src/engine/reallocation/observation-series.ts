import type { ProtocolProfile } from '../../domain/profile.js';
import { RESOURCES, type ResourceShares } from '../../domain/resources.js';
import type { Observation } from '../optimizer/types.js';

/**
 * From what a node reports to what its allocation earned. Reports arrive `lag` late and in lumps at the protocol's
 * cadence, and demand follows the clock; a fit on raw samples reads all three as effects of the allocation. So, per
 * protocol:
 * 1. each rate is attributed to the allocation in force `lag` before it was reported;
 * 2. rates are averaged over whole cadence windows (one lump each), mixed windows dropped;
 * 3. hour-of-day (and, with two weeks of data, day-of-week) factors are estimated from the rates relative to their
 *    allocation's own mean, and divided out;
 * 4. rates measured while a share the node needs was below its minimum useful share are left out: they say the node
 *    could not run, not how it responds above the minimum.
 */
export interface RawPoint {
  time: number;
  shares: ResourceShares;
  usdPerHour: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Pseudo-observation pulling a seasonal factor toward 1 (an hour seen once says little). */
const SEASON_PRIOR = 1;
/** Readings further apart than this many poll steps leave a gap (the node was down or unreachable between them). */
const GAP_STEPS = 3;
const sameShares = (a: ResourceShares, b: ResourceShares) => RESOURCES.every((r) => Math.abs(a[r] - b[r]) <= 1e-6);
const stateKey = (s: ResourceShares) => RESOURCES.map((r) => Math.round(s[r] * 2)).join(':');

/** The point in force at `time`: the last one at or before it (points in time order). */
function pointAt(points: RawPoint[], time: number): RawPoint | null {
  let lo = 0;
  let hi = points.length - 1;
  if (hi < 0 || points[0].time > time) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid].time <= time) lo = mid;
    else hi = mid - 1;
  }
  return points[lo];
}

/**
 * Each rate with the allocation in force `lagMs` before it was reported. A rate whose moment falls in a gap of the
 * series (no reading within `maxGapMs` before it: the node was down or unreachable) is left out: what the node reports
 * for `lag` after it comes back is what it earned while down, not what its allocation earns.
 */
export function attributeLag(points: RawPoint[], lagMs: number, maxGapMs = Number.POSITIVE_INFINITY): RawPoint[] {
  if (lagMs <= 0) return points;
  const out: RawPoint[] = [];
  for (const p of points) {
    const then = pointAt(points, p.time - lagMs);
    if (then && p.time - lagMs - then.time <= maxGapMs) {
      out.push({ time: p.time, shares: { ...then.shares }, usdPerHour: p.usdPerHour });
    }
  }
  return out;
}

/** Means over whole cadence windows that held one allocation; the window in progress is left out. */
export function cadenceWindows(points: RawPoint[], cadenceMs: number, now: number, stepMs: number): RawPoint[] {
  if (cadenceMs <= stepMs) return points;
  const out: RawPoint[] = [];
  let i = 0;
  while (i < points.length) {
    const w = Math.floor(points[i].time / cadenceMs);
    let j = i;
    let sum = 0;
    let mixed = false;
    while (j < points.length && Math.floor(points[j].time / cadenceMs) === w) {
      sum += points[j].usdPerHour;
      if (!sameShares(points[j].shares, points[i].shares)) mixed = true;
      j++;
    }
    const complete = (w + 1) * cadenceMs <= now && j - i >= Math.max(1, Math.floor((0.5 * cadenceMs) / stepMs));
    if (!mixed && complete) out.push({ time: points[j - 1].time, shares: { ...points[i].shares }, usdPerHour: sum / (j - i) });
    i = j;
  }
  return out;
}

/** Multiplicative factors by hour of day (UTC) and day of week, from rates relative to their allocation's mean. */
export function seasonalFactors(points: RawPoint[]): { hour: number[]; weekday: number[] } {
  const flat = { hour: Array(24).fill(1) as number[], weekday: Array(7).fill(1) as number[] };
  if (points.length < 2) return flat;
  const span = points[points.length - 1].time - points[0].time;
  const means = new Map<string, { sum: number; n: number }>();
  for (const p of points) {
    const m = means.get(stateKey(p.shares)) ?? { sum: 0, n: 0 };
    m.sum += p.usdPerHour;
    m.n++;
    means.set(stateKey(p.shares), m);
  }
  const factor = (enough: boolean, slots: number, slotOf: (t: number) => number) => {
    if (!enough) return Array(slots).fill(1) as number[];
    const sum = Array(slots).fill(0) as number[];
    const n = Array(slots).fill(0) as number[];
    for (const p of points) {
      const m = means.get(stateKey(p.shares))!;
      const mean = m.sum / m.n;
      if (!(mean > 0) || m.n < 8) continue;
      sum[slotOf(p.time)] += p.usdPerHour / mean;
      n[slotOf(p.time)]++;
    }
    const f = sum.map((s, k) => (s + SEASON_PRIOR) / (n[k] + SEASON_PRIOR));
    const avg = f.reduce((a, b) => a + b, 0) / slots;
    return f.map((x) => Math.max(0.05, x / avg));
  };
  return {
    hour: factor(span >= 2 * DAY, 24, (t) => Math.floor((t % DAY) / HOUR)),
    weekday: factor(span >= 14 * DAY, 7, (t) => new Date(t).getUTCDay()),
  };
}

export function deseasonalize(points: RawPoint[], f: { hour: number[]; weekday: number[] }): RawPoint[] {
  return points.map((p) => ({ ...p, usdPerHour: p.usdPerHour / (f.hour[Math.floor((p.time % DAY) / HOUR)] * f.weekday[new Date(p.time).getUTCDay()]) }));
}

/** Whether a share the node needs was below its least useful level. */
export function belowMinimum(shares: ResourceShares, profile: ProtocolProfile): boolean {
  return RESOURCES.some((r) => profile.minShare[r] > 0 && shares[r] < profile.minShare[r] - 1e-6);
}

export interface ProcessedSeries {
  observations: Observation[];
  /** Mean de-seasonalized rate of the latest allocation seen over the last cadence (null: none yet). */
  recentUsdPerHour: number | null;
}

export function processSeries(raw: RawPoint[], profile: ProtocolProfile, now: number, stepMs: number): ProcessedSeries {
  const sorted = raw.every((p, i) => i === 0 || raw[i - 1].time <= p.time) ? raw : [...raw].sort((a, b) => a.time - b.time);
  const cadenceMs = profile.cadenceMinutes * 60_000;
  // Readings come every stepMs while the node answers: a longer silence is a gap.
  const lagged = attributeLag(sorted, profile.lagMinutes * 60_000, GAP_STEPS * stepMs);
  const windows = cadenceWindows(lagged, cadenceMs, now, stepMs);
  const seasonal = cadenceMs <= HOUR ? deseasonalize(windows, seasonalFactors(windows)) : windows;
  const usable = seasonal.filter((p) => !belowMinimum(p.shares, profile));
  const last = usable.at(-1);
  let recent: number | null = null;
  if (last) {
    const since = last.time - Math.max(cadenceMs, HOUR, 4 * stepMs);
    const same = usable.filter((p) => p.time > since && sameShares(p.shares, last.shares));
    recent = same.reduce((s, p) => s + p.usdPerHour, 0) / same.length;
  }
  return { observations: usable.map((p) => ({ time: p.time, shares: p.shares, usdPerHour: p.usdPerHour })), recentUsdPerHour: recent };
}
