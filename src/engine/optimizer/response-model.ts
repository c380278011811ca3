import { earningResources, type ProtocolProfile, storageRuled } from '../../domain/profile.js';
import { RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Resource, type ResourceShares } from '../../domain/resources.js';
import { type LpSolver, lpNumber } from './highs-solver.js';
import { type ConcaveCurve, evaluateCurve, linearCurve, normalizeKnots } from './piecewise.js';
import { type TaskSlot, toSlotSpace } from './task-slots.js';
import type { Observation, OptimizerInput, ProtocolInput } from './types.js';

/**
 * How one protocol's earnings respond to its shares.
 *
 * Attribution model (documented choice): earnings are ADDITIVE AND SEPARABLE per resource,
 *   usdPerHour(s) = base + f_cpu(s.cpu) + f_memory(s.memory) + f_bandwidth(s.bandwidth) + f_storage(s.storage),
 * each f concave, non-decreasing, piecewise linear, with f(0) = 0, and base >= 0 the earnings the observed variation
 * does not explain. Without `base` the level would have to be split between the curves, and anchoring them at the
 * origin would invent steep slopes below the lowest share ever seen; with it, a curve is linear below its data. Separability is
 * what lets the allocation be solved exactly as an LP, and it is what the data can support: an allocation moves a few
 * resources at a time, so interactions are rarely observable.
 *
 * Fit: weighted least squares on the settled observations, with knots at the share levels actually observed (plus
 * the current share), concavity written as slope_k = sum_{j>=k} d_j with d_j >= 0, and a weak ridge pulling d toward
 * the prior. The prior is the fallback model: the current rate split equally between the resources the protocol
 * holds, linear through the origin and the current point (average earnings per share point). Data overrides the
 * prior wherever it varies; where it does not (a resource never moved, shares beyond the observed range) the prior
 * fills in, capped by concavity. The fit is a small convex QP solved by HiGHS.
 *
 * Settling: an observation counts only when every resource has held its share for that resource's time constant
 * (RESOURCE_TIME_CONSTANT_MS), so storage, which fills over weeks, is not judged on what it earned an hour after a
 * change. With fewer than `minObservations` settled observations the model is the prior alone (low confidence).
 */
export interface ProtocolResponse {
  protocol: string;
  /** false: too few settled observations, the model is the fallback (linear through the current rate). */
  fitted: boolean;
  settledObservations: number;
  /** Standard deviation of observed rates around the fit, USD/h. */
  residualStd: number;
  /** Effective sample size behind the fit: per state seen, the distinct hours it was seen in (capped). */
  effectiveCount: number;
  /** Earnings the observed variation does not attribute to any resource (the fit's intercept), USD/h. */
  baseUsdPerHour: number;
  curves: Record<Resource, ConcaveCurve>;
  /** Range of settled share levels seen per resource; null when the share never varied. */
  observedRange: Record<Resource, [number, number] | null>;
  /** Set for a compute provider that runs tasks in slots: the curves are in slot space (task-slots.ts). */
  slot?: TaskSlot;
}

/**
 * Samples of one unchanged state are strongly autocorrelated (nodes report earnings at hourly granularity, and what
 * moves them, demand, moves hour to hour), so a state weighs as many observations as the distinct hours it was seen
 * in, up to this cap.
 */
const GROUP_WEIGHT_CAP = 24;
const HOUR_MS = 3_600_000;
/** Weight of the prior in the fit, in observations' worth per coefficient: enough to settle what the data cannot tell, too little to bend what it can. */
const PRIOR_WEIGHT = 1e-4;
/** Share levels closer than this (percent points) are the same level. */
const LEVEL_RESOLUTION = 0.5;
const MAX_LEVELS = 10;
/** A protocol "holds" a resource when its share is at least this; it is what the prior splits earnings across. */
const HELD_SHARE = 0.01;
const MIN_LEVEL = 1e-6;
/** Features below this (share/100) are treated as never exercised. */
const MIN_FEATURE = 1e-3;

/**
 * The fallback and prior: the current rate split equally between held resources, linear through the origin. With a
 * protocol profile, only the resources it is paid for share the rate (a storage node's cpu earns nothing by itself).
 */
export function priorCurves(levelUsdPerHour: number, current: ResourceShares, paidOn?: readonly Resource[]): Record<Resource, ConcaveCurve> {
  const heldAll = RESOURCES.filter((r) => current[r] >= HELD_SHARE);
  const heldPaid = paidOn ? heldAll.filter((r) => paidOn.includes(r)) : heldAll;
  const held = heldPaid.length > 0 ? heldPaid : heldAll;
  const level = levelUsdPerHour > MIN_LEVEL ? levelUsdPerHour : 0;
  const curves = {} as Record<Resource, ConcaveCurve>;
  for (const r of RESOURCES) curves[r] = linearCurve(held.includes(r) ? level / held.length / current[r] : 0);
  return curves;
}

/**
 * Observations in time order that had settled: no resource among `resources` (default: all) changed within its time
 * constant before it.
 */
export function settledObservations(observations: Observation[], resources: readonly Resource[] = RESOURCES): Observation[] {
  const inOrder = observations.every((o, i) => i === 0 || observations[i - 1].time <= o.time);
  const sorted = inOrder ? observations : [...observations].sort((a, b) => a.time - b.time);
  const lastChange: Record<Resource, number> = { cpu: -Infinity, memory: -Infinity, bandwidth: -Infinity, storage: -Infinity };
  const out: Observation[] = [];
  let prev: Observation | undefined;
  for (const o of sorted) {
    for (const r of resources) if (prev && Math.abs(o.shares[r] - prev.shares[r]) > 1e-6) lastChange[r] = o.time;
    if (resources.every((r) => o.time - lastChange[r] >= RESOURCE_TIME_CONSTANT_MS[r])) out.push(o);
    prev = o;
  }
  return out;
}

/**
 * The resources an observation must have settled on: those that can change what the protocol earns (its profile),
 * without storage where the storage rule governs it. That rule, not the model, moves storage, and data fill over
 * weeks: waiting for storage to settle would stop all learning about the node for weeks after each storage move.
 */
export function settlingResources(profile: ProtocolProfile | undefined): Resource[] {
  const resources = earningResources(profile);
  return storageRuled(profile) ? resources.filter((r) => r !== 'storage') : resources;
}

/**
 * Observations a fit needs: `minObservations`, fewer for a protocol that reports rarely (one observation per cadence
 * window: a daily reporter has three in three days), never fewer than 3.
 */
export function minObservationsFor(protocol: ProtocolInput, settings: Pick<OptimizerInput['settings'], 'minObservations' | 'historyHours'>): number {
  const cadenceMinutes = protocol.profile?.cadenceMinutes ?? 0;
  if (cadenceMinutes <= 60) return settings.minObservations;
  const windows = Math.floor((settings.historyHours * 60) / cadenceMinutes / 2);
  return Math.max(3, Math.min(settings.minObservations, windows));
}

export function fallbackResponse(protocol: ProtocolInput, current: ResourceShares, settled: number): ProtocolResponse {
  return {
    protocol: protocol.name,
    fitted: false,
    settledObservations: settled,
    residualStd: 0,
    effectiveCount: settled,
    baseUsdPerHour: 0,
    curves: priorCurves(protocol.currentUsdPerHour, current, protocol.profile?.paidOn),
    observedRange: { cpu: null, memory: null, bandwidth: null, storage: null },
  };
}

interface Group {
  shares: ResourceShares;
  mean: number;
  count: number;
  sumSq: number;
  hours: Set<number>;
}

const weightOf = (g: Group) => Math.min(g.hours.size, GROUP_WEIGHT_CAP);

function groupByShares(obs: Observation[]): Group[] {
  const groups = new Map<number, Group>();
  const level = (x: number) => Math.round(x / LEVEL_RESOLUTION);
  for (const o of obs) {
    // Levels are 0..200, so four of them pack exactly into one number (a cheap key over tens of thousands of samples).
    const key = ((level(o.shares.cpu) * 256 + level(o.shares.memory)) * 256 + level(o.shares.bandwidth)) * 256 + level(o.shares.storage);
    let g = groups.get(key);
    if (!g) {
      g = { shares: { ...o.shares }, mean: 0, count: 0, sumSq: 0, hours: new Set() };
      groups.set(key, g);
    }
    // Welford's update keeps mean and spread numerically stable over thousands of samples.
    g.count++;
    g.hours.add(Math.floor(o.time / HOUR_MS));
    const delta = o.usdPerHour - g.mean;
    g.mean += delta / g.count;
    g.sumSq += delta * (o.usdPerHour - g.mean);
  }
  return [...groups.values()];
}

function levelsOf(groups: Group[], r: Resource): number[] {
  const levels = [...new Set(groups.map((g) => Math.round(g.shares[r] / LEVEL_RESOLUTION) * LEVEL_RESOLUTION))].sort((a, b) => a - b);
  if (levels.length <= MAX_LEVELS) return levels;
  return Array.from({ length: MAX_LEVELS }, (_, i) => levels[Math.round((i * (levels.length - 1)) / (MAX_LEVELS - 1))]);
}

export async function fitProtocolResponse(
  solver: LpSolver,
  protocol: ProtocolInput,
  current: ResourceShares,
  settings: Pick<OptimizerInput['settings'], 'minObservations' | 'historyHours'>,
  now: number,
): Promise<ProtocolResponse> {
  const since = now - settings.historyHours * 3_600_000;
  const settled = settledObservations(protocol.observations, settlingResources(protocol.profile)).filter((o) => o.time >= since && o.time <= now);
  if (settled.length < minObservationsFor(protocol, settings)) return fallbackResponse(protocol, current, settled.length);
  const groups = groupByShares(settled);
  const mean = settled.reduce((s, o) => s + o.usdPerHour, 0) / settled.length;
  // The scale every quantity of the fit is measured in; below a micro-dollar an hour there is nothing to fit.
  const level = protocol.currentUsdPerHour > MIN_LEVEL ? protocol.currentUsdPerHour : mean;
  if (!(level > MIN_LEVEL)) return fallbackResponse(protocol, current, settled.length);

  const prior = priorCurves(level, current, protocol.profile?.paidOn);
  // Columns: per resource r and knot j (j >= 1), feature min(share_r, knot_j) / 100 with coefficient u >= 0.
  // Column r = null is the intercept: earnings the observed variation does not explain (see the model's comment).
  const columns: { r: Resource | null; knot: number; prior: number }[] = [];
  const knotsByResource = {} as Record<Resource, number[]>;
  const observedRange = {} as ProtocolResponse['observedRange'];
  for (const r of RESOURCES) {
    const levels = levelsOf(groups, r);
    const lo = levels[0];
    const hi = levels[levels.length - 1];
    observedRange[r] = hi - lo >= LEVEL_RESOLUTION ? [lo, hi] : null;
    const knots = normalizeKnots([...levels, current[r]], LEVEL_RESOLUTION / 2);
    knotsByResource[r] = knots;
    // A resource the profile says the node is not paid for gets no slope from the data: what it seems to earn is
    // something else that moved with it (a storage node's earnings growing with its fill while it held more CPU).
    if (protocol.profile && !protocol.profile.paidOn.includes(r)) continue;
    const priorU = (prior[r].slopes[0] * 100) / level;
    for (let j = 1; j < knots.length; j++) columns.push({ r, knot: knots[j], prior: j === knots.length - 1 ? priorU : 0 });
  }

  columns.push({ r: null, knot: 0, prior: 0 });
  const feature = (col: (typeof columns)[number], g: Group) => (col.r === null ? 1 : Math.min(g.shares[col.r], col.knot) / 100);
  // A feature the data never exercises (share ~0 throughout) carries no information: its coefficient stays at the
  // prior and it is kept out of the QP, whose solver is unreliable on such near-empty columns.
  const exercised = columns.map((col) => groups.some((g) => feature(col, g) > MIN_FEATURE));
  const m = columns.length;
  const H = Array.from({ length: m }, () => new Float64Array(m));
  const c = new Float64Array(m);
  for (const g of groups) {
    const w = weightOf(g);
    const y = g.mean / level;
    const psi = columns.map((col) => feature(col, g));
    for (let a = 0; a < m; a++) {
      if (psi[a] === 0) continue;
      c[a] -= 2 * w * psi[a] * y;
      for (let b = 0; b < m; b++) H[a][b] += 2 * w * psi[a] * psi[b];
    }
  }
  // The size of the observed rates relative to `level`: about 1, unless the protocol earned almost nothing while
  // observed (say 1e-6 of its current rate). The prior's weight is measured at that size, so that it still only
  // settles what the data cannot tell; and the solver works in v = u / unit, since otherwise such a QP's whole
  // objective sits below the solver's tolerances, where its active-set method can cycle without end.
  const unit = Math.min(1, Math.max(1e-9, ...groups.map((g) => Math.abs(g.mean / level))));
  // The intercept is not pulled anywhere: it takes whatever level the curves' shapes leave over.
  for (let a = 0; a < m; a++) {
    if (columns[a].r === null) continue;
    H[a][a] += 2 * PRIOR_WEIGHT * unit * unit;
    c[a] -= 2 * PRIOR_WEIGHT * unit * unit * columns[a].prior;
  }

  const active = columns.map((_, a) => a).filter((a) => exercised[a]);
  const u = columns.map((col) => col.prior);
  if (active.length > 0) {
    // Unexercised coefficients sit at their prior; fold their cross terms into the linear part.
    const lin = active.map((a) => columns.reduce((s, col, b) => (exercised[b] ? s : s + H[a][b] * col.prior), c[a]));
    // The solver's variables are v = u / unit; the objective (not its minimizer) is scaled to a size the solver's
    // absolute tolerances suit.
    const peak = Math.max(...active.map((a) => H[a][a] * unit * unit), 1e-300);
    const hScale = (unit * unit * 100) / peak;
    const cScale = (unit * 100) / peak;
    const name = (a: number) => `u${a}`;
    const linear = active.map((a, i) => `${lpNumber(lin[i] * cScale)} ${name(a)}`);
    const quad: string[] = [];
    for (const a of active) {
      quad.push(`${lpNumber(H[a][a] * hScale)} ${name(a)}^2`);
      for (const b of active) if (b > a && H[a][b] !== 0) quad.push(`${lpNumber(2 * H[a][b] * hScale)} ${name(a)} * ${name(b)}`);
    }
    const lp = [
      'Minimize',
      ` obj: ${linear.join(' + ')} + [ ${quad.join(' + ')} ] / 2`.replaceAll('+ -', '-'),
      'Subject To',
      ` nonneg: ${name(active[0])} >= 0`,
      'Bounds',
      ...active.map((a) => ` ${name(a)} >= 0`),
      'End',
    ].join('\n');
    try {
      const result = await solver.solve(lp);
      for (const a of active) u[a] = unit * Math.max(0, (result.Columns[name(a)] as { Primal?: number } | undefined)?.Primal ?? 0);
    } catch {
      // A fit the solver cannot finish is no fit: the prior alone, flagged as low confidence.
      return fallbackResponse(protocol, current, settled.length);
    }
  }

  const curves = {} as Record<Resource, ConcaveCurve>;
  for (const r of RESOURCES) {
    const knots = knotsByResource[r];
    const mine = columns.map((col, a) => ({ col, a })).filter((x) => x.col.r === r);
    // slope on [knot_k, knot_k+1] is the sum of the coefficients of all features still rising there.
    const slopes = knots.slice(0, -1).map((_, k) => mine.filter((x) => x.col.knot > knots[k]).reduce((s, x) => s + u[x.a], 0) * (level / 100));
    curves[r] = { knots, slopes };
  }

  const baseUsdPerHour = u[columns.length - 1] * level;
  let ss = 0;
  for (const g of groups) {
    const fit = modelRate({ baseUsdPerHour, curves }, g.shares);
    ss += g.sumSq + g.count * (g.mean - fit) ** 2;
  }
  return {
    protocol: protocol.name,
    fitted: true,
    settledObservations: settled.length,
    residualStd: Math.sqrt(ss / Math.max(1, settled.length - 1)),
    effectiveCount: groups.reduce((s, g) => s + weightOf(g), 0),
    baseUsdPerHour,
    curves,
    observedRange,
  };
}

/** A model's USD/h at `shares` (in slot space when the model is fitted on slots). */
export function modelRate(model: Pick<ProtocolResponse, 'baseUsdPerHour' | 'curves' | 'slot'>, shares: ResourceShares): number {
  if (model.slot) shares = toSlotSpace(shares, model.slot);
  return model.baseUsdPerHour + RESOURCES.reduce((s, r) => s + evaluateCurve(model.curves[r], shares[r]), 0);
}

/** Model change of a protocol's USD/h when its shares move from `from` to `to`. */
export function responseDelta(model: ProtocolResponse, from: ResourceShares, to: ResourceShares): number {
  if (model.slot) [from, to] = [toSlotSpace(from, model.slot), toSlotSpace(to, model.slot)];
  return RESOURCES.reduce((s, r) => s + evaluateCurve(model.curves[r], to[r]) - evaluateCurve(model.curves[r], from[r]), 0);
}

/** How far the model extrapolates: |change of f| along the parts of the move outside the observed share range. */
export function extrapolatedDelta(model: ProtocolResponse, from: ResourceShares, to: ResourceShares): number {
  if (model.slot) [from, to] = [toSlotSpace(from, model.slot), toSlotSpace(to, model.slot)];
  let total = 0;
  for (const r of RESOURCES) {
    const a = Math.min(from[r], to[r]);
    const b = Math.max(from[r], to[r]);
    if (b - a < 1e-9) continue;
    const f = (x: number) => evaluateCurve(model.curves[r], x);
    const range = model.observedRange[r];
    if (!range) {
      total += f(b) - f(a);
      continue;
    }
    if (a < range[0]) total += f(Math.min(b, range[0])) - f(a);
    if (b > range[1]) total += f(b) - f(Math.max(a, range[1]));
  }
  return total;
}

/**
 * Standard deviation of a projected change: the fit's standard error where it interpolates, plus the extrapolated
 * part taken to be as uncertain as its own size (the model only guesses where the allocation has never been).
 */
export function deltaStd(model: ProtocolResponse, from: ResourceShares, to: ResourceShares): number {
  if (model.slot) [from, to] = [toSlotSpace(from, model.slot), toSlotSpace(to, model.slot)];
  const moved = RESOURCES.some((r) => Math.abs(from[r] - to[r]) > 1e-9);
  if (!moved) return 0;
  const se = model.fitted ? model.residualStd / Math.sqrt(Math.max(1, model.effectiveCount)) : 0;
  const ex = extrapolatedDelta(model, from, to);
  return Math.sqrt(se * se + ex * ex);
}
