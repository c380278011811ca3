import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Plan } from '../../domain/plan.js';
import { earningResources, type ProtocolProfile } from '../../domain/profile.js';
import { type Allocation, AllocationSchema, RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Resource, type ResourceShares } from '../../domain/resources.js';
import { type Observation, type OptimizerInput, powerCostOf, round } from '../optimizer/types.js';
import { signed } from './engine-helpers.js';
import { placeboSe } from './placebo-noise.js';

/**
 * Every applied move judged on its measured effect, and the do-no-harm guard.
 *
 * A move is read once the touched protocols' reporting lag, cadence and the moved resources' time constants have
 * passed, plus a window of observations: the optimizer's own observations (lag-attributed, averaged over the cadence,
 * time-of-day divided out) at the new shares against those at the old ones just before. It is kept when earnings
 * held or rose, judged harmful (rolled back) when they fell by more than twice the noise (a part whose windows hold a
 * single report each is held to the node's own spread where nothing moved, placebo-noise.ts). Projected and measured
 * effects are recorded side by side; the share of judged moves that measured a gain calibrates later confidences.
 * A rollback is judged in turn, on what it was meant to recover: when earnings fell again after it, beyond noise, the
 * fall was the market, not the move; the move is put back and no longer counts as a miss (a record of misses that
 * were not would otherwise hold auto mode still for good, since a frozen engine makes no moves to correct it).
 *
 * The guard follows auto mode's earnings against the counterfactual of holding the last stable allocation: the
 * measured effect of every move made since, times the hours it has been in force within the last day. When that
 * sum is below zero by more than its noise and more than 1 % of a day's earnings, auto mode stops acting for
 * `pauseHours`, returns to the stable allocation, and says why.
 */

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const ReviewedMoveSchema = Type.Object({
  id: Type.String(),
  at: Type.Number(),
  protocols: Type.Array(Type.String()),
  before: AllocationSchema,
  after: AllocationSchema,
  projected: Type.Number(),
  probe: Type.Boolean(),
  /** When the effect can be read (null: a rule move, not judged on earnings): the soonest any touched node shows it. */
  readAt: Nullable(Type.Number()),
  /**
   * Per touched protocol, when its own reports show the move, and the plan's projected change for it: a node that
   * reports daily does not hold back the reading of one that reports hourly; until it can be read, its part is taken
   * as projected.
   */
  parts: Type.Optional(Type.Record(Type.String(), Type.Object({ readAt: Type.Number(), projected: Type.Number() }))),
  /**
   * `disputed`: judged harmful, rolled back, and the rollback then measured a loss beyond noise: the harmful reading was
   * the market moving, not the move, and the move was put back. It no longer counts in the record.
   */
  verdict: Type.Union([Type.Literal('pending'), Type.Literal('kept'), Type.Literal('harmful'), Type.Literal('unreadable'), Type.Literal('disputed')]),
  /** The id of the move this one rolled back: a rollback is judged too, once, on what it was meant to recover. */
  undoes: Type.Optional(Type.String()),
  measured: Nullable(Type.Object({ before: Type.Number(), after: Type.Number(), se: Type.Number() })),
});
export type ReviewedMove = Static<typeof ReviewedMoveSchema>;

/** What the review remembers across a restart (engine_state, key `move-review`). */
export const MoveReviewStateSchema = Type.Object({
  version: Type.Literal(1),
  moves: Type.Array(ReviewedMoveSchema, { maxItems: 500 }),
  stable: AllocationSchema,
  stableSince: Type.Number(),
  /** epoch ms since which judged moves make the record (the last guard trip); absent: all of them. */
  recordSince: Type.Optional(Type.Number()),
  /** epoch ms until which auto mode is paused by the guard; null when it never was. */
  pausedUntil: Nullable(Type.Number()),
  pauseReason: Nullable(Type.String()),
});
export type MoveReviewState = Static<typeof MoveReviewStateSchema>;

export interface ReviewAction {
  /** Put these protocols back to these shares, and why. */
  rollback?: { move: ReviewedMove; shares: Allocation; reason: string };
  /** The guard tripped: return to the stable allocation, stop acting. */
  trip?: { shares: Allocation; reason: string };
  /** Moves judged this round (for the record). */
  judged: ReviewedMove[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN_WINDOW = 2 * HOUR;
const CALIBRATION_WEIGHT = 4;
const same = (a: ResourceShares | undefined, b: ResourceShares | undefined) => !!a && !!b && RESOURCES.every((r) => Math.abs(a[r] - b[r]) <= 1e-6);

function windowOf(p: ProtocolProfile | undefined): number {
  return Math.max(MIN_WINDOW, (p?.cadenceMinutes ?? 60) * 60_000);
}

/** Time after a change before its effect shows in reports and has settled, per protocol. */
export function settleMs(p: ProtocolProfile | undefined, from: ResourceShares, to: ResourceShares): number {
  const moved = RESOURCES.filter((r) => Math.abs(from[r] - to[r]) > 1e-6 && r !== 'storage');
  const tc = Math.max(0, ...moved.map((r) => RESOURCE_TIME_CONSTANT_MS[r]));
  return ((p?.lagMinutes ?? 0) + (p?.cadenceMinutes ?? 0)) * 60_000 + tc;
}

function stats(obs: Observation[]): { mean: number; se: number; n: number } | null {
  if (obs.length === 0) return null;
  const mean = obs.reduce((s, o) => s + o.usdPerHour, 0) / obs.length;
  const hours = new Set(obs.map((o) => Math.floor(o.time / HOUR))).size;
  const v = obs.length > 1 ? obs.reduce((s, o) => s + (o.usdPerHour - mean) ** 2, 0) / (obs.length - 1) : mean * mean;
  return { mean, se: Math.sqrt(v / Math.max(1, hours)), n: obs.length };
}

/**
 * A model plan's projections (gain, projected rate, each node's part, ROI) times the share of projected gains that
 * judged moves delivered: the 5 % gate and the operator then see what such moves have been making, not what the
 * models promise (harsh market: about an eighth).
 */
export function discountByRecord(plan: Plan, share: number): void {
  if (plan.exploration || plan.rule !== undefined || !(share < 1)) return;
  const k = round(Math.max(0, share), 4);
  plan.deliveredShare = k;
  plan.improvementUsdPerHour = round(plan.improvementUsdPerHour * k, 6);
  plan.improvementPercent = round(plan.improvementPercent * k, 4);
  plan.projectedUsdPerHour = round(plan.currentUsdPerHour + plan.improvementUsdPerHour, 6);
  // (gain over the hold - cost) / cost, with the gain discounted alike.
  if (plan.roi !== null) plan.roi = round(k * (plan.roi + 1) - 1, 4);
  if (plan.projectedDeltas) for (const n of Object.keys(plan.projectedDeltas)) plan.projectedDeltas[n] = round(plan.projectedDeltas[n] * k, 6);
  const note = ` Projected gain discounted to ${Math.round(100 * k)} %: what auto mode's judged moves delivered of their models' projections.`;
  for (const n of Object.keys(plan.explanations)) plan.explanations[n] += note;
}

/** What a judged move's record says of it (its reallocation's reason). */
export function judgment(m: ReviewedMove): string {
  const measured = m.measured;
  if (!measured) return 'judged: no readable earnings before and after (outage or disconnection): kept';
  const outcome = m.verdict !== 'harmful' ? 'kept' : m.undoes ? `the move it rolled back (${m.undoes}) is put back` : 'rolled back';
  return `judged: projected ${signed(m.projected)} USD/h, measured ${signed(measured.after - measured.before)} USD/h (±${measured.se.toFixed(5)}): ${outcome}`;
}

export function createMoveReview(options: { pauseHours: number; now: () => number; current: () => Allocation }) {
  const moves: ReviewedMove[] = [];
  let stable: Allocation = structuredClone(options.current());
  let stableSince = options.now();
  let recordSince = -Infinity;
  let pausedUntil = -Infinity;
  let pauseReason: string | null = null;

  /**
   * The protocols a change touched, their shares before and after, and when each one's own reports can show it
   * (settling, then a window to read it in); null when it touched none.
   */
  function touched(before: Allocation, after: Allocation, profiles: Map<string, ProtocolProfile | undefined>, at: number) {
    const protocols = Object.keys(after).filter((n) => !same(before[n], after[n]));
    if (protocols.length === 0) return null;
    return {
      protocols,
      before: Object.fromEntries(protocols.map((n) => [n, { ...before[n] }])),
      after: Object.fromEntries(protocols.map((n) => [n, { ...after[n] }])),
      readAt: Object.fromEntries(protocols.map((n) => [n, at + settleMs(profiles.get(n), before[n], after[n]) + windowOf(profiles.get(n))])),
    };
  }

  function push(m: ReviewedMove): void {
    moves.push(m);
    if (moves.length > 500) moves.splice(0, moves.length - 500);
  }

  function record(plan: Plan, id: string, before: Allocation, after: Allocation, profiles: Map<string, ProtocolProfile | undefined>, at: number): void {
    const t = touched(before, after, profiles, at);
    if (!t) return;
    const rule = plan.rule !== undefined;
    push({
      id,
      at,
      protocols: t.protocols,
      before: t.before,
      after: t.after,
      // The model's own projection: the record judges the models, not the discount it already applied.
      projected: plan.deliveredShare ? plan.improvementUsdPerHour / plan.deliveredShare : plan.improvementUsdPerHour,
      probe: plan.exploration,
      readAt: rule ? null : Math.min(...Object.values(t.readAt)),
      // A plan without per-protocol projections (an older record) counts an unread part as no change.
      parts: Object.fromEntries(t.protocols.map((n) => [n, { readAt: t.readAt[n], projected: plan.projectedDeltas?.[n] ?? 0 }])),
      verdict: rule ? 'kept' : 'pending',
      measured: null,
    });
  }

  /** Moves a model made (not probes, rules or rollbacks, nor disputed) whose effect has been measured, oldest first. */
  const judgedModelMoves = () =>
    moves.filter((m) => m.at >= recordSince && !m.probe && m.readAt !== null && m.measured && !m.undoes && m.verdict !== 'disputed');

  /**
   * A harmful move was rolled back: the rollback is judged like a move, projected to recover what the move measured
   * lost, once every part can be read. A rollback that measures a loss instead says the move's reading was the
   * market, not the move.
   */
  function recordRollback(original: ReviewedMove, id: string, before: Allocation, after: Allocation, profiles: Map<string, ProtocolProfile | undefined>, at: number): void {
    const t = touched(before, after, profiles, at);
    if (!t || !original.measured) return;
    push({
      id,
      at,
      protocols: t.protocols,
      before: t.before,
      after: t.after,
      projected: original.measured.before - original.measured.after,
      probe: false,
      readAt: Math.max(...Object.values(t.readAt)),
      parts: Object.fromEntries(t.protocols.map((n) => [n, { readAt: t.readAt[n], projected: 0 }])),
      verdict: 'pending',
      measured: null,
      undoes: original.id,
    });
  }

  function judge(m: ReviewedMove, input: OptimizerInput, now: number): void {
    let before = 0;
    let after = 0;
    let variance = 0;
    let read = 0;
    for (const name of m.protocols) {
      const p = input.protocols.find((x) => x.name === name);
      if (!p) {
        m.verdict = 'unreadable';
        return;
      }
      // Not readable yet from its own reports (a slower reporter than another node the move touched): its part is
      // what the plan projected, until the next reading.
      const part = m.parts?.[name];
      if (part && now < part.readAt) {
        after += part.projected;
        continue;
      }
      const settle = settleMs(p.profile, m.before[name], m.after[name]);
      const w = windowOf(p.profile);
      const lag = (p.profile?.lagMinutes ?? 0) * 60_000;
      const b = stats(p.observations.filter((o) => same(o.shares, m.before[name]) && o.time >= m.at - 3 * w && o.time <= m.at + lag));
      const a = stats(p.observations.filter((o) => same(o.shares, m.after[name]) && o.time >= m.at + settle));
      if (!b || !a) {
        // An outage or a disconnection leaves nothing to compare: wait a while, then stop trying.
        if (now > (part?.readAt ?? m.readAt ?? now) + 2 * w) m.verdict = 'unreadable';
        return;
      }
      // A rollback is judged on the parts its windows can read: a single report on either side says nothing of a change.
      if (m.undoes && (b.n < 2 || a.n < 2)) {
        read++;
        continue;
      }
      // Judged net of the power the shares cause (energy accounting): a move that gives back CPU which cost more
      // power than it earned lowers gross earnings and is still a gain.
      before += b.mean - powerCostOf(p, m.before[name]);
      after += a.mean - powerCostOf(p, m.after[name]);
      // A window of one report has no spread of its own (stats takes its whole size as the noise, and nothing could
      // ever be called a loss): the node's own report-to-report spread where nothing moved stands in for it.
      const placebo = b.n < 2 || a.n < 2 ? placeboSe(p.observations, { before: [-3 * w, lag], after: [settle, now - m.at] }) : null;
      variance += placebo ? placebo.se ** 2 : b.se ** 2 + a.se ** 2;
      read++;
    }
    const se = Math.sqrt(variance);
    // Harmful as soon as what is read outweighs what is projected; kept only once every part is read.
    if (after - before < -2 * se && after < before) m.verdict = 'harmful';
    else if (read === m.protocols.length) m.verdict = 'kept';
    else return;
    m.measured = { before, after, se };
  }

  /** Hours each move since the stable allocation has been in force within the last day, times its measured effect. */
  function guardSum(now: number): { sum: number; noise: number; base: number } {
    let sum = 0;
    let variance = 0;
    let base = 0;
    for (const m of moves) {
      if (m.at < stableSince || !m.measured || m.verdict === 'harmful' || m.verdict === 'disputed') continue;
      const hours = Math.max(0, (now - Math.max(m.at, now - DAY)) / HOUR);
      sum += (m.measured.after - m.measured.before) * hours;
      variance += (m.measured.se * hours) ** 2;
      base = Math.max(base, m.measured.before);
    }
    return { sum, noise: Math.sqrt(variance), base };
  }

  return {
    record,
    recordRollback,
    /** The review as a JSON document, to be written after each change. */
    state(): MoveReviewState {
      return {
        version: 1,
        moves: structuredClone(moves),
        stable: structuredClone(stable),
        stableSince,
        ...(Number.isFinite(recordSince) ? { recordSince } : {}),
        pausedUntil: Number.isFinite(pausedUntil) ? pausedUntil : null,
        pauseReason,
      };
    },
    /** Continue from a stored document (after a restart); false, changing nothing, when it is not a valid one. */
    restore(doc: unknown): boolean {
      if (!Value.Check(MoveReviewStateSchema, doc)) return false;
      moves.splice(0, moves.length, ...structuredClone(doc.moves));
      stable = structuredClone(doc.stable);
      stableSince = doc.stableSince;
      recordSince = doc.recordSince ?? -Infinity;
      pausedUntil = doc.pausedUntil ?? -Infinity;
      pauseReason = doc.pauseReason;
      return true;
    },
    paused: (now: number) => (now < pausedUntil ? pauseReason : null),
    /**
     * Per protocol, the resources it is paid for that its latest move of them cut, while its own reports cannot show
     * that cut yet. A rule's storage move is not judged on earnings and does not count; a later raise clears the cut.
     */
    unreadCuts(now: number, profiles: Map<string, ProtocolProfile | undefined>): Record<string, Resource[]> {
      const cuts = new Map<string, Set<Resource>>();
      for (const m of moves) {
        if (m.readAt === null) continue;
        for (const n of m.protocols) {
          if (now >= (m.parts?.[n]?.readAt ?? m.readAt)) continue;
          for (const r of earningResources(profiles.get(n))) {
            const d = m.after[n][r] - m.before[n][r];
            if (d < -1e-6) cuts.set(n, (cuts.get(n) ?? new Set()).add(r));
            else if (d > 1e-6) cuts.get(n)?.delete(r);
          }
        }
      }
      return Object.fromEntries([...cuts].filter(([, rs]) => rs.size > 0).map(([n, rs]) => [n, [...rs]]));
    },
    moves: () => moves,
    stable: () => structuredClone(stable),
    /** Judge what can be judged; say what must be undone. Called before each decision in auto mode. */
    review(input: OptimizerInput, now: number): ReviewAction {
      const judged: ReviewedMove[] = [];
      for (const m of moves) {
        if (m.verdict !== 'pending' || m.readAt === null || now < m.readAt) continue;
        judge(m, input, now);
        if (m.verdict !== 'pending') judged.push(m);
      }
      const current = options.current();
      const harmful = judged.find((m) => m.verdict === 'harmful' && m.protocols.every((n) => same(current[n], m.after[n])));
      const action: ReviewAction = { judged };
      if (harmful?.measured && harmful.undoes) {
        // The rollback lost money: the move it undid goes back, and is no longer counted as a miss.
        const original = moves.find((m) => m.id === harmful.undoes);
        if (original?.verdict === 'harmful') original.verdict = 'disputed';
        action.rollback = {
          move: harmful,
          shares: structuredClone(harmful.before),
          reason: `re-applied ${harmful.undoes}: after its rollback (${harmful.id}) earnings of ${harmful.protocols.join(', ')} fell from ${harmful.measured.before.toFixed(5)} to ${harmful.measured.after.toFixed(5)} USD/h (noise ±${harmful.measured.se.toFixed(5)}); the loss it was rolled back for was the market, not the move`,
        };
        return action;
      }
      if (harmful?.measured) {
        action.rollback = {
          move: harmful,
          shares: structuredClone(harmful.before),
          reason: `rollback of ${harmful.id}: earnings of ${harmful.protocols.join(', ')} fell from ${harmful.measured.before.toFixed(5)} to ${harmful.measured.after.toFixed(5)} USD/h (noise ±${harmful.measured.se.toFixed(5)}), projected ${harmful.projected >= 0 ? '+' : ''}${harmful.projected.toFixed(5)}`,
        };
        return action;
      }
      const g = guardSum(now);
      if (g.sum < -2 * g.noise && -g.sum > 0.01 * g.base * 24 && now >= pausedUntil) {
        pausedUntil = now + options.pauseHours * HOUR;
        pauseReason =
          `do-no-harm guard: over the last day auto mode earned ${(-g.sum).toFixed(4)} USD less than holding the last stable allocation ` +
          `(noise ±${g.noise.toFixed(4)}); it returned to that allocation and stops acting for ${options.pauseHours} h`;
        action.trip = { shares: structuredClone(stable), reason: pauseReason };
        stableSince = now;
        // The moves the trip undid leave the record: auto mode starts over from the stable allocation, and a record it can
        // no longer change would keep every later plan under the gate for good. A new loss trips the guard again.
        recordSince = now;
        return action;
      }
      // Stable again: nothing pending, nothing lost since the last stable point, no move for a day.
      const last = moves.at(-1);
      if (moves.every((m) => m.verdict !== 'pending') && g.sum >= 0 && (!last || now - last.at >= DAY) && now - stableSince >= DAY) {
        stable = structuredClone(current);
        stableSince = now;
      }
      return action;
    },
    /**
     * What judged moves delivered of what their models projected (1 with no record): each move's measured over
     * projected effect, clipped to [-1, 1], averaged with CALIBRATION_WEIGHT moves that delivered it all.
     */
    delivered(): number {
      const judged = judgedModelMoves().filter((m) => m.projected > 0).slice(-20);
      const sum = judged.reduce((s, m) => s + Math.max(-1, Math.min(1, (m.measured!.after - m.measured!.before) / m.projected)), 0);
      return Math.max(0, Math.min(1, (CALIBRATION_WEIGHT + sum) / (CALIBRATION_WEIGHT + judged.length)));
    },
    /** Confidence calibrated from the record: the share of judged moves whose measured effect was a gain. */
    calibrate(confidence: number): { confidence: number; note: string | null } {
      const judged = judgedModelMoves().slice(-20);
      if (judged.length === 0) return { confidence, note: null };
      const hits = judged.filter((m) => m.measured!.after > m.measured!.before).length;
      const calibrated = (CALIBRATION_WEIGHT * confidence + hits) / (CALIBRATION_WEIGHT + judged.length);
      return { confidence: Math.min(confidence, calibrated), note: `calibrated from ${judged.length} judged moves (${hits} measured a gain)` };
    },
  };
}

export type MoveReview = ReturnType<typeof createMoveReview>;
