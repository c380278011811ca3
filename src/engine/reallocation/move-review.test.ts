import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../test/helpers/optimizer-instances.js';
import type { Plan } from '../../domain/plan.js';
import { resolveProfile } from '../../domain/profile.js';
import type { Allocation, ResourceShares } from '../../domain/resources.js';
import type { Observation, OptimizerInput, ProtocolInput } from '../optimizer/types.js';
import { createMoveReview, discountByRecord } from './move-review.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 10);
const before: ResourceShares = { cpu: 20, memory: 20, bandwidth: 20, storage: 20 };
const after: ResourceShares = { cpu: 20, memory: 20, bandwidth: 30, storage: 20 };
const profile = resolveProfile('mysterium', { lagMinutes: 0 }, null);

/** Hourly observations: `usdBefore` at the old shares for 6 h before T, `usdAfter` at the new ones after, ±noise. */
function series(usdBefore: number, usdAfter: number, untilHours: number, noise = 0.01): Observation[] {
  const out: Observation[] = [];
  for (let h = -6; h < untilHours; h++) {
    const jitter = (h % 2 === 0 ? 1 : -1) * noise;
    out.push({ time: T + h * HOUR, shares: h < 0 ? before : after, usdPerHour: (h < 0 ? usdBefore : usdAfter) + jitter });
  }
  return out;
}

function protocol(name: string, observations: Observation[]): ProtocolInput {
  const mm = { min: 0, max: 100 };
  return { name, connected: true, pinned: false, limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm }, currentUsdPerHour: 1, restartsOnChange: false, observations, profile };
}

const inputOf = (protocols: ProtocolInput[], now: number): OptimizerInput => ({
  time: now,
  current: Object.fromEntries(protocols.map((p) => [p.name, after])),
  reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 },
  protocols,
  policies: [],
  settings: defaultSettings,
});

const plan = (projected: number): Plan => ({
  strategy: 'lp',
  createdAt: T,
  current: {},
  target: {},
  currentUsdPerHour: 1,
  projectedUsdPerHour: 1 + projected,
  improvementUsdPerHour: projected,
  improvementPercent: 100 * projected,
  confidence: 0.9,
  switchingCostUsd: 0,
  roi: null,
  exploration: false,
  opportunities: [],
  explanations: {},
});

function review(names: string[], now: () => number) {
  let current: Allocation = Object.fromEntries(names.map((n) => [n, before]));
  const r = createMoveReview({ pauseHours: 24, now, current: () => current });
  for (const n of names) r.record(plan(0.2), `move-${n}`, { [n]: before }, { [n]: after }, new Map([[n, profile]]), T);
  current = Object.fromEntries(names.map((n) => [n, after]));
  return r;
}

describe('every applied move is judged on its measured effect', () => {
  it('rolls back a move whose measured earnings fell beyond the noise, saying projected and measured', () => {
    let now = T;
    const r = review(['a'], () => now);
    now = T + 2 * HOUR;
    expect(r.review(inputOf([protocol('a', series(1, 0.5, 2))], now), now).rollback).toBeUndefined();
    now = T + 8 * HOUR;
    const action = r.review(inputOf([protocol('a', series(1, 0.5, 8))], now), now);
    expect(action.rollback?.shares).toEqual({ a: before });
    expect(action.rollback?.reason).toMatch(/fell from 1\.0\d+ to 0\.49\d+ USD\/h.*projected \+0\.2/);
    expect(r.moves()[0].verdict).toBe('harmful');
  });

  /** One move touching a (reports within the hour) and b (reports a day late, unreadable for days), read 8 h on. */
  function fastAndDaily(plan: Plan, aAfter: number) {
    let now = T;
    const daily = resolveProfile('grass', undefined, null);
    let current: Allocation = { a: before, b: before };
    const r = createMoveReview({ pauseHours: 24, now: () => now, current: () => current });
    r.record(plan, 'move', { a: before, b: before }, { a: after, b: after }, new Map([['a', profile], ['b', daily]]), T);
    current = { a: after, b: after };
    now = T + 8 * HOUR;
    const action = r.review(inputOf([protocol('a', series(1, aAfter, 8)), { ...protocol('b', []), profile: daily }], now), now);
    return { action, move: r.moves()[0] };
  }

  it('rolls back a move that harmed a node reporting hourly without waiting for a daily reporter it also touched', () => {
    // A probe moves bandwidth from a to b; a's earnings halve, b's part counts as projected (+0.05) until it is read.
    const { action, move } = fastAndDaily({ ...plan(0.1), exploration: true, projectedDeltas: { a: 0.05, b: 0.05 } }, 0.5);
    expect(action.rollback?.shares).toEqual({ a: before, b: before });
    expect(move.verdict).toBe('harmful');
  });

  it('keeps such a move pending, not kept, while the fast node held its earnings and the slow one is unread', () => {
    const { action, move } = fastAndDaily({ ...plan(0.1), projectedDeltas: { a: -0.01, b: 0.11 } }, 1);
    expect(action.rollback).toBeUndefined();
    expect(move.verdict).toBe('pending');
    expect(move.measured).toBeNull();
  });

  it('judges a move net of the power its shares cost (energy accounting): earning a little more for much more power is harmful', () => {
    let now = T;
    const r = review(['a'], () => now);
    now = T + 8 * HOUR;
    // Gross rose from 1 to 1.1, but the 10 bandwidth points added cost 0.03 USD/h each in power.
    const costly = { ...protocol('a', series(1, 1.1, 8)), powerCostPerPoint: { cpu: 0, memory: 0, bandwidth: 0.03, storage: 0 } };
    const action = r.review(inputOf([costly], now), now);
    expect(r.moves()[0].verdict).toBe('harmful');
    expect(r.moves()[0].measured?.before).toBeCloseTo(1 - 0.6, 2);
    expect(r.moves()[0].measured?.after).toBeCloseTo(1.1 - 0.9, 2);
    expect(action.rollback?.shares).toEqual({ a: before });
    // Blind to power the same move is a gain.
    const blind = review(['a'], () => now);
    blind.review(inputOf([protocol('a', series(1, 1.1, 8))], now), now);
    expect(blind.moves()[0].verdict).toBe('kept');
  });

  it('keeps a move whose earnings held or rose, records the measured effect and calibrates later confidence from it', () => {
    let now = T;
    const r = review(['a'], () => now);
    now = T + 8 * HOUR;
    const action = r.review(inputOf([protocol('a', series(1, 1.1, 8))], now), now);
    expect(action.rollback).toBeUndefined();
    expect(action.judged[0].verdict).toBe('kept');
    expect(action.judged[0].measured?.after).toBeGreaterThan(action.judged[0].measured!.before);
    // One judged move, a gain: confidence stays; a record of losses lowers it.
    expect(r.calibrate(0.8).confidence).toBe(0.8);
  });

  it('lowers confidence when judged moves did not deliver what was projected', () => {
    let now = T;
    const r = review(['a', 'b', 'c'], () => now);
    now = T + 8 * HOUR;
    r.review(inputOf(['a', 'b', 'c'].map((n) => protocol(n, series(1, 0.99, 8, 0.05))), now), now);
    const c = r.calibrate(0.9);
    expect(c.confidence).toBeLessThan(0.7);
    expect(c.note).toMatch(/3 judged moves \(0 measured a gain\)/);
  });
});

describe('a node that reports once a day', () => {
  /**
   * A daily reporter (one report per judging window) held `before` for twelve days, reporting 1 USD/h +- `spread` day
   * to day; then a move, and three days at `after` earning `usdAfter`.
   */
  function daily(usdAfter: number, spread: number) {
    const grass = resolveProfile('grass', { lagMinutes: 0 }, null);
    const obs: Observation[] = [];
    for (let d = -12; d < 0; d++) obs.push({ time: T + d * 24 * HOUR, shares: before, usdPerHour: 1 + (d % 2 ? spread : -spread) });
    for (let d = 1; d <= 3; d++) obs.push({ time: T + d * 24 * HOUR, shares: after, usdPerHour: usdAfter });
    let now = T;
    let current: Allocation = { a: before };
    const r = createMoveReview({ pauseHours: 24, now: () => now, current: () => current });
    r.record(plan(0.1), 'move-a', { a: before }, { a: after }, new Map([['a', grass]]), T);
    current = { a: after };
    now = T + 3 * 24 * HOUR;
    const action = r.review(inputOf([{ ...protocol('a', obs), profile: grass }], now), now);
    return { action, move: r.moves()[0] };
  }

  it('is held to its own day-to-day spread where nothing moved: a fall well beyond it is rolled back', () => {
    // One report a side has no spread of its own; taken as its whole size, no fall could ever be called a loss.
    const { action, move } = daily(0.7, 0.02);
    expect(move.verdict).toBe('harmful');
    expect(move.measured?.se).toBeLessThan(0.1);
    expect(action.rollback?.shares).toEqual({ a: before });
  });

  it('keeps a move whose fall is within that spread', () => {
    const { action, move } = daily(0.7, 0.3);
    expect(move.verdict).toBe('kept');
    expect(action.rollback).toBeUndefined();
  });
});

describe('a rollback is judged in turn', () => {
  /**
   * A move (bandwidth 20 -> 30) measured a fall from 1 to 0.5 USD/h and was rolled back at T + 8 h; from then on the
   * node earns `afterRollback` at its old shares.
   */
  function rolledBack(afterRollback: number) {
    let now = T;
    let current: Allocation = { a: before };
    const r = createMoveReview({ pauseHours: 24, now: () => now, current: () => current });
    r.record(plan(0.2), 'move-a', { a: before }, { a: after }, new Map([['a', profile]]), T);
    current = { a: after };
    now = T + 8 * HOUR;
    const action = r.review(inputOf([protocol('a', series(1, 0.5, 8, 0.001))], now), now);
    expect(action.rollback?.shares).toEqual({ a: before });
    r.recordRollback(action.rollback!.move, 'rollback-a', { a: after }, { a: before }, new Map([['a', profile]]), now);
    current = { a: before };
    const obs = series(1, 0.5, 8, 0.001);
    for (let h = 8; h < 20; h++) obs.push({ time: T + h * HOUR, shares: before, usdPerHour: afterRollback + (h % 2 ? 0.001 : -0.001) });
    now = T + 20 * HOUR;
    return { r, action: r.review({ ...inputOf([protocol('a', obs)], now), current }, now) };
  }

  it('puts the move back when its rollback lost money too: the fall was the market, and the move no longer counts as a miss', () => {
    // The market kept falling: back at the old shares the node earns 0.3, less than the 0.5 the move was blamed for.
    const { r, action } = rolledBack(0.3);
    expect(action.rollback?.shares).toEqual({ a: after });
    expect(action.rollback?.reason).toMatch(/re-applied move-a: after its rollback \(rollback-a\) earnings of a fell from 0\.5\d* to 0\.3\d* USD\/h/);
    expect(r.moves().map((m) => [m.id, m.verdict])).toEqual([
      ['move-a', 'disputed'],
      ['rollback-a', 'harmful'],
    ]);
    // Neither the disputed move nor the rollback is a model's bet: the record is empty again.
    expect(r.calibrate(0.9)).toEqual({ confidence: 0.9, note: null });
    expect(r.delivered()).toBe(1);
  });

  it('keeps the rollback when it recovered the earnings, and the move stays a miss in the record', () => {
    const { r, action } = rolledBack(1);
    expect(action.rollback).toBeUndefined();
    expect(r.moves().map((m) => [m.id, m.verdict])).toEqual([
      ['move-a', 'harmful'],
      ['rollback-a', 'kept'],
    ]);
    expect(r.moves()[1].projected).toBeCloseTo(0.5, 2);
    expect(r.calibrate(0.9).note).toMatch(/1 judged moves \(0 measured a gain\)/);
  });
});

describe('projections discounted by what moves delivered', () => {
  it('shows a model plan at the share of projected gains that judged moves measured, and records the model projection', () => {
    let now = T;
    const r = review(['a', 'b', 'c'], () => now);
    expect(r.delivered()).toBe(1);
    now = T + 8 * HOUR;
    // Each move projected +0.2 USD/h and measured +0.02: a tenth. With four moves' worth of benefit of the doubt,
    // (4 + 3 x 0.1) / 7 of what the models project.
    r.review(inputOf(['a', 'b', 'c'].map((n) => protocol(n, series(1, 1.02, 8, 0.001))), now), now);
    const share = r.delivered();
    expect(share).toBeCloseTo(4.3 / 7, 3);

    // A restart costs 0.05 USD; over one hour the model's +0.1 USD/h repays it once over (ROI 1).
    const shown = { ...plan(0.1), switchingCostUsd: 0.05, roi: 1, projectedDeltas: { a: 0.06, b: 0.04 }, explanations: { a: 'more bandwidth' } };
    discountByRecord(shown, share);
    expect(shown.improvementUsdPerHour).toBeCloseTo(0.1 * share, 5);
    expect(shown.improvementPercent).toBeCloseTo(10 * share, 2);
    expect(shown.projectedUsdPerHour).toBeCloseTo(1 + 0.1 * share, 5);
    expect(shown.projectedDeltas.a + shown.projectedDeltas.b).toBeCloseTo(shown.improvementUsdPerHour, 6);
    expect(shown.explanations.a).toMatch(/discounted to 61 %/);
    expect(shown.roi).toBeCloseTo((0.1 * share - 0.05) / 0.05, 3);
    // The record keeps judging the model: the next move is recorded at the model's +0.1, not the discounted figure.
    r.record(shown, 'move-d', { d: before }, { d: after }, new Map([['d', profile]]), now);
    expect(r.moves().at(-1)?.projected).toBeCloseTo(0.1, 6);

    // Rules and probes are not model bets on a gain: left as they are.
    const rule = { ...plan(0.1), rule: 'storage grown ahead of the data' };
    const probe = { ...plan(0.1), exploration: true };
    discountByRecord(rule, share);
    discountByRecord(probe, share);
    expect([rule.improvementUsdPerHour, probe.improvementUsdPerHour]).toEqual([0.1, 0.1]);
  });

  it('stops model moves once judged moves lost what they were to gain', () => {
    let now = T;
    const r = review(['a', 'b', 'c', 'd', 'e'], () => now);
    now = T + 8 * HOUR;
    r.review(inputOf(['a', 'b', 'c', 'd', 'e'].map((n) => protocol(n, series(1, 0.6, 8, 0.001))), now), now);
    expect(r.delivered()).toBe(0);
    const shown = plan(0.1);
    discountByRecord(shown, r.delivered());
    expect(shown.improvementUsdPerHour).toBe(0);
  });
});

describe('the do-no-harm guard', () => {
  it('stops auto mode and returns to the stable allocation when its moves fell behind holding it over a day', () => {
    let now = T;
    const names = ['a', 'b', 'c', 'd'];
    const r = review(names, () => now);
    // Each move lost 0.1 USD/h: within the noise alone (kept), beyond it summed over a day and four protocols.
    now = T + 24 * HOUR;
    const action = r.review(inputOf(names.map((n) => protocol(n, series(1, 0.9, 24, 0.2))), now), now);
    expect(action.rollback).toBeUndefined();
    expect(action.judged.map((m) => m.verdict)).toEqual(['kept', 'kept', 'kept', 'kept']);
    expect(action.trip?.shares).toEqual({ a: before, b: before, c: before, d: before });
    expect(action.trip?.reason).toMatch(/do-no-harm guard: over the last day auto mode earned [\d.]+ USD less than holding the last stable allocation/);
    expect(r.paused(now + HOUR)).toMatch(/stops acting for 24 h/);
    expect(r.paused(now + 25 * HOUR)).toBeNull();
    // The four losses the trip undid leave the record: after the pause, plans are not held under the gate for good by
    // moves that are no longer in force (with them: confidence 0.9 calibrated to 0.45, a quarter of gains delivered).
    expect(r.calibrate(0.9)).toEqual({ confidence: 0.9, note: null });
    expect(r.delivered()).toBe(1);
  });

  it('does not trip while the moves held their earnings', () => {
    let now = T;
    const r = review(['a', 'b'], () => now);
    now = T + 24 * HOUR;
    const action = r.review(inputOf(['a', 'b'].map((n) => protocol(n, series(1, 1.02, 24, 0.1))), now), now);
    expect(action.trip).toBeUndefined();
    expect(r.paused(now)).toBeNull();
  });
});

describe('the review across a restart', () => {
  it('a new process restored from the stored document judges the pending move and keeps the guard paused', () => {
    let now = T;
    const first = review(['a'], () => now);
    const stored = JSON.parse(JSON.stringify(first.state()));
    const current: Allocation = { a: after };
    const second = createMoveReview({ pauseHours: 24, now: () => now, current: () => current });
    expect(second.restore(stored)).toBe(true);
    now = T + 8 * HOUR;
    const action = second.review(inputOf([protocol('a', series(1, 0.5, 8))], now), now);
    expect(action.rollback?.shares).toEqual({ a: before });
    expect(second.moves()[0]).toMatchObject({ id: 'move-a', verdict: 'harmful' });

    // A tripped guard: the pause and its reason come back with the document.
    const names = ['a', 'b', 'c', 'd'];
    now = T;
    const tripping = review(names, () => now);
    now = T + 24 * HOUR;
    expect(tripping.review(inputOf(names.map((n) => protocol(n, series(1, 0.9, 24, 0.2))), now), now).trip).toBeDefined();
    const third = createMoveReview({ pauseHours: 24, now: () => now, current: () => current });
    expect(third.paused(now + HOUR)).toBeNull();
    expect(third.restore(JSON.parse(JSON.stringify(tripping.state())))).toBe(true);
    expect(third.paused(now + HOUR)).toMatch(/do-no-harm guard.*stops acting for 24 h/);
    expect(third.paused(now + 25 * HOUR)).toBeNull();
    expect(third.calibrate(0.9).confidence).toBe(0.9);
  });

  it('refuses a document that is not a review, changing nothing', () => {
    const r = review(['a'], () => T);
    expect(r.restore({ version: 1, moves: [{ id: 3 }] })).toBe(false);
    expect(r.restore(null)).toBe(false);
    expect(r.moves()).toHaveLength(1);
  });
});

describe('a cut is read before the next', () => {
  it('names the paid resources a move cut until the node can show the cut, and a raise or a rule does not count', () => {
    const storj = resolveProfile('storj', undefined, null); // paid on storage and bandwidth, 12 h late
    const golem = resolveProfile('golem', undefined, null); // paid on cpu and memory, 6 h late
    const profiles = new Map([
      ['storj', storj],
      ['golem', golem],
    ]);
    const s0: ResourceShares = { cpu: 20, memory: 20, bandwidth: 30, storage: 40 };
    const g0: ResourceShares = { cpu: 40, memory: 40, bandwidth: 10, storage: 0 };
    const r = createMoveReview({ pauseHours: 24, now: () => T, current: () => ({ storj: s0, golem: g0 }) });
    // storj gives up cpu (not paid for it) and bandwidth (paid); golem gains cpu and gives up memory.
    const s1 = { ...s0, cpu: 10, bandwidth: 20 };
    const g1 = { ...g0, cpu: 50, memory: 30 };
    r.record(plan(0.1), 'm1', { storj: s0, golem: g0 }, { storj: s1, golem: g1 }, profiles, T);
    expect(r.unreadCuts(T + HOUR, profiles)).toEqual({ storj: ['bandwidth'], golem: ['memory'] });
    // golem's reports show the move 6 h late (then 1 h cadence, 2 h to read it in): its cut is read first; storj's
    // 12 h late (then 1 h cadence, 2 h for bandwidth to settle, 2 h to read it in).
    expect(r.unreadCuts(T + 10 * HOUR, profiles)).toEqual({ storj: ['bandwidth'] });
    expect(r.unreadCuts(T + 16 * HOUR, profiles)).toEqual({ storj: ['bandwidth'] });
    expect(r.unreadCuts(T + 17 * HOUR, profiles)).toEqual({});
    // A later raise of the same resource clears its cut; a rule's storage move is not judged and cuts nothing.
    r.record(plan(0.1), 'm2', { storj: s1 }, { storj: { ...s1, bandwidth: 25 } }, profiles, T + 2 * HOUR);
    const rule = { ...plan(0), rule: 'storage grown ahead of the fill' };
    r.record(rule, 'm3', { storj: { ...s1, bandwidth: 25 } }, { storj: { ...s1, bandwidth: 25, storage: 30 } }, profiles, T + 3 * HOUR);
    expect(r.unreadCuts(T + 4 * HOUR, profiles)).toEqual({ golem: ['memory'] });
  });
});
