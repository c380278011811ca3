import type { PriceSource } from './prices.js';

/**
 * The payout trap. Nodes report cumulative counters (month-to-date payout, lifetime total, wallet balance). Earnings
 * are the increases of the counter; a drop is a payout or a reset, recorded as an event with zero earnings at that
 * sample: never negative earnings, and nothing already recorded is touched. After a drop the lower value becomes the
 * new baseline, so earnings resume from it.
 */
export interface TrackedEarnings {
  earnedTokens: number;
  earnedUsd: number;
  /** USD per hour over the smoothing window (0 until two readings span some time). */
  usdPerHour: number;
  payoutEvent: boolean;
  /** How far the counter fell at a payout event, in token units (0 otherwise). */
  droppedTokens: number;
}

export interface EarningsTracker {
  /** Feed the counter read at `time` (null when the node does not report one: nothing is earned, the baseline stays). */
  update(time: number, cumulativeTokens: number | null, token: string): TrackedEarnings;
  /** The last rate, for samples carried forward between polls. */
  usdPerHour(): number;
  reset(): void;
}

export interface EarningsTrackerOptions {
  prices: PriceSource;
  /** Rate smoothing window (default 15 minutes). */
  windowMs?: number;
}

/** Relative drops smaller than this are float noise, not payouts. */
const DROP_EPSILON = 1e-9;

export function createEarningsTracker(options: EarningsTrackerOptions): EarningsTracker {
  const windowMs = options.windowMs ?? 15 * 60_000;
  let baseline: { value: number; token: string } | null = null;
  let totalUsd = 0;
  let points: { time: number; totalUsd: number }[] = [];
  let rate = 0;

  function addPoint(time: number): number {
    const last = points[points.length - 1];
    if (last && time < last.time) points = [];
    points.push({ time, totalUsd });
    while (points.length > 2 && points[1]!.time <= time - windowMs) points.shift();
    const first = points[0]!;
    const spanH = (time - first.time) / 3_600_000;
    rate = spanH > 0 ? Math.max(0, (totalUsd - first.totalUsd) / spanH) : rate;
    return rate;
  }

  return {
    update(time, cumulativeTokens, token) {
      const none = { earnedTokens: 0, earnedUsd: 0, payoutEvent: false, droppedTokens: 0 };
      if (cumulativeTokens === null || !Number.isFinite(cumulativeTokens)) return { ...none, usdPerHour: rate };
      if (!baseline || baseline.token !== token) {
        baseline = { value: cumulativeTokens, token };
        return { ...none, usdPerHour: addPoint(time) };
      }
      const delta = cumulativeTokens - baseline.value;
      baseline = { value: cumulativeTokens, token };
      if (delta < -DROP_EPSILON * Math.max(1, Math.abs(cumulativeTokens - delta))) {
        return { ...none, payoutEvent: true, droppedTokens: -delta, usdPerHour: addPoint(time) };
      }
      const earnedTokens = Math.max(0, delta);
      const earnedUsd = earnedTokens * options.prices.usdPerUnit(token);
      totalUsd += earnedUsd;
      return { earnedTokens, earnedUsd, payoutEvent: false, droppedTokens: 0, usdPerHour: addPoint(time) };
    },
    usdPerHour: () => rate,
    reset() {
      baseline = null;
      totalUsd = 0;
      points = [];
      rate = 0;
    },
  };
}
