import type { LedgerState } from '../domain/earnings.js';
import type { CounterRule } from '../domain/sample.js';
import type { PriceSource } from './prices.js';

export type { LedgerState };

/**
 * The one earnings ledger: turns the cumulative counter each adapter reads into earnings, by the counter's own reset
 * rule (see CounterRule):
 * - a dip that recovers is a correction, never a payout, and the recovery is not counted again (high-water mark);
 * - `month`: a change of period starts again from 0, and the end of the old period comes from `previousPeriodTokens`;
 * - `restart` / `epoch` / `balance`: a drop is held one reading: back at the high-water mark, it was a dip; still
 *   lower, the counter started again from 0 (restart, epoch: everything it shows is new) or paid out (balance:
 *   earnings continue from the low);
 * - the state survives a daemon restart (`state()` / `restore()`): the first reading after start counts what was
 *   earned while orcha was down once, and its USD/h spans the whole gap instead of spiking.
 */

export interface CounterObservation {
  cumulativeTokens: number | null;
  token: string;
  counterRule?: CounterRule;
  period?: string;
  previousPeriodTokens?: number;
}

export interface CounterStep {
  state: LedgerState | null;
  earnedTokens: number;
  /** The counter was reset or paid out at this reading. */
  payoutEvent: boolean;
  /** How far the counter fell at a payout or reset (token units; 0 otherwise). */
  droppedTokens: number;
  /** The reading was below the high-water mark and is treated as a correction (nothing earned, nothing paid). */
  correction: boolean;
}

/** Relative differences below this are float noise. */
const EPS = 1e-12;
const below = (v: number, ref: number) => v < ref - EPS * Math.max(1, Math.abs(ref));

/** One counter reading applied to the ledger state. Pure: the property tests drive it directly. */
export function applyCounter(prev: LedgerState | null, time: number, obs: CounterObservation): CounterStep {
  const v = obs.cumulativeTokens;
  const none = { earnedTokens: 0, payoutEvent: false, droppedTokens: 0, correction: false };
  if (v === null || !Number.isFinite(v)) return { state: prev, ...none };
  const rule = obs.counterRule ?? 'balance';
  const period = obs.period ?? null;
  const fresh: LedgerState = { token: obs.token, rule, period, high: v, pendingLow: null, time };
  // A first reading, or a different counter altogether: a baseline, nothing earned yet.
  if (!prev || prev.token !== obs.token || prev.rule !== rule) return { state: fresh, ...none };

  if (period !== null && prev.period !== null && period !== prev.period) {
    // A new period (Storj: a new month): the old period's tail, then the new period's counter from 0.
    const tail = obs.previousPeriodTokens === undefined ? 0 : Math.max(0, obs.previousPeriodTokens - prev.high);
    return { state: fresh, earnedTokens: tail + Math.max(0, v), payoutEvent: true, droppedTokens: prev.high, correction: false };
  }
  const next: LedgerState = { ...prev, period: period ?? prev.period, time };
  if (!below(v, prev.high)) {
    // At or above the high-water mark: new earnings (after a dip, only what is above the mark).
    next.high = Math.max(v, prev.high);
    next.pendingLow = null;
    return { state: next, ...none, earnedTokens: Math.max(0, v - prev.high) };
  }
  if (rule === 'total' || rule === 'month') return { state: next, ...none, correction: true };
  // restart, epoch, balance: a drop is held one reading, since a dip that recovers looks the same at first.
  if (prev.pendingLow === null) {
    next.pendingLow = v;
    return { state: next, ...none, correction: true };
  }
  const low = prev.pendingLow;
  next.high = v;
  next.pendingLow = null;
  // Still below the mark one reading later: a restart or new epoch (the counter started from 0, all of it is new), or
  // a payout (earnings continue from the low it went to).
  const earnedTokens = rule === 'balance' ? Math.max(0, v - low) : Math.max(0, v);
  return { state: next, earnedTokens, payoutEvent: true, droppedTokens: rule === 'balance' ? prev.high - low : prev.high, correction: false };
}

export interface LedgerEntry {
  earnedTokens: number;
  earnedUsd: number;
  /** USD per hour over the smoothing window (after a restart, over the whole gap). */
  usdPerHour: number;
  payoutEvent: boolean;
  droppedTokens: number;
  /** `droppedTokens` at the price of this reading (what the payout was worth). */
  droppedUsd: number;
  correction: boolean;
}

export interface EarningsLedger {
  /** Apply the counter read at `time` (null: nothing earned, the state stays). */
  record(time: number, obs: CounterObservation): LedgerEntry;
  usdPerHour(): number;
  /** What to persist so the next start continues from here (null before the first counter). */
  state(): LedgerState | null;
  /** Continue from a persisted state: the next reading counts everything earned since `state.time`. */
  restore(state: LedgerState): void;
  reset(): void;
}

export interface EarningsLedgerOptions {
  prices: PriceSource;
  /** Rate smoothing window (default 15 minutes). */
  windowMs?: number;
}

export function createEarningsLedger(options: EarningsLedgerOptions): EarningsLedger {
  const windowMs = options.windowMs ?? 15 * 60_000;
  let state: LedgerState | null = null;
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
    record(time, obs) {
      const step = applyCounter(state, time, obs);
      if (step.state === state && obs.cumulativeTokens === null) {
        return { earnedTokens: 0, earnedUsd: 0, usdPerHour: rate, payoutEvent: false, droppedTokens: 0, droppedUsd: 0, correction: false };
      }
      state = step.state;
      const price = step.earnedTokens > 0 || step.droppedTokens > 0 ? options.prices.usdPerUnit(obs.token) : 0;
      const earnedUsd = step.earnedTokens > 0 ? step.earnedTokens * price : 0;
      totalUsd += earnedUsd;
      return {
        earnedTokens: step.earnedTokens,
        earnedUsd,
        usdPerHour: addPoint(time),
        payoutEvent: step.payoutEvent,
        droppedTokens: step.droppedTokens,
        droppedUsd: step.droppedTokens > 0 ? step.droppedTokens * price : 0,
        correction: step.correction,
      };
    },
    usdPerHour: () => rate,
    state: () => (state ? { ...state } : null),
    restore(saved) {
      state = { ...saved };
      // The rate's window starts where the stored counter was read: earnings of the gap spread over the gap.
      totalUsd = 0;
      points = [{ time: saved.time, totalUsd: 0 }];
      rate = 0;
    },
    reset() {
      state = null;
      totalUsd = 0;
      points = [];
      rate = 0;
    },
  };
}
