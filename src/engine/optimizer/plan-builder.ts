import type { Opportunity, Plan } from '../../domain/plan.js';
import { RESOURCES, type Allocation, type Resource, type ResourceShares } from '../../domain/resources.js';
import { currentShares, type OptimizerInput, powerCostOf, round } from './types.js';

/** What a strategy knows about earnings, in the form the plan needs. */
export interface PlanModel {
  /** Projected change of a protocol's USD/h when its shares move from `from` to `to`. */
  delta(protocol: string, from: ResourceShares, to: ResourceShares): number;
  /** Standard deviation of that projection, USD/h. */
  std(protocol: string, from: ResourceShares, to: ResourceShares): number;
  /** 0..1: how far the data behind this protocol's model can be trusted (count of settled observations). */
  dataFactor(protocol: string): number;
  /** One line on where the protocol's model comes from. */
  describe(protocol: string): string;
  /** Whether the move can change what the protocol earns (default: any move); only those weigh in the data factor. */
  affects?(protocol: string, from: ResourceShares, to: ResourceShares): boolean;
}

/** Pseudo-protocol for capacity no protocol holds, in opportunities. */
export const UNALLOCATED = 'unallocated';
const MOVE_EPS = 1e-6;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Probability that a projected gain with standard deviation `std` is a real gain. */
export function gainConfidence(gain: number, std: number): number {
  if (std <= 1e-12) return gain > 0 ? 1 : gain < 0 ? 0 : 0.5;
  return normalCdf(gain / std);
}

export function moved(a: ResourceShares, b: ResourceShares): boolean {
  return RESOURCES.some((r) => Math.abs(a[r] - b[r]) > MOVE_EPS);
}

export interface BuildPlanArgs {
  strategy: string;
  input: OptimizerInput;
  target: Allocation;
  model: PlanModel;
  exploration?: boolean;
  /** A strategy with its own confidence rule (the seeds' variance score) passes it here. */
  confidence?: number;
  /** Extra sentence per protocol (why it is where it is). */
  notes?: Record<string, string>;
}

function withShare(shares: ResourceShares, r: Resource, value: number): ResourceShares {
  return { ...shares, [r]: value };
}

export function switchingCost(input: OptimizerInput, protocols: Iterable<string>): number {
  const touched = new Set(protocols);
  return input.protocols
    .filter((p) => touched.has(p.name) && p.restartsOnChange)
    .reduce((s, p) => s + ((p.profile?.restartMinutes ?? input.settings.restartCostMinutes) / 60) * Math.max(0, p.currentUsdPerHour), 0);
}

/**
 * Projection, confidence, switching cost, ROI, pairwise opportunities and explanations of a target allocation. With
 * power costs in the input (energy accounting) the rates, gains and opportunities are net of power.
 */
export function buildPlan(args: BuildPlanArgs): Plan {
  const { input, target, model } = args;
  const current: Allocation = {};
  const changed: string[] = [];
  let currentUsd = 0;
  let projectedUsd = 0;
  let variance = 0;
  const deltas: Record<string, number> = {};
  const powerDeltas: Record<string, number> = {};
  // With energy accounting the plan's rates are net of the power the shares cause: gross earnings never fall below
  // zero, the power cost follows the shares linearly (USD/h per point at the current price).
  const withPower = input.protocols.some((p) => p.powerCostPerPoint !== undefined);
  let powerNow = 0;
  let powerThen = 0;
  for (const p of input.protocols) {
    const cur = currentShares(input, p.name);
    const tgt = target[p.name] ?? cur;
    current[p.name] = { ...cur };
    const d = moved(cur, tgt) ? model.delta(p.name, cur, tgt) : 0;
    const before = powerCostOf(p, cur);
    const after = moved(cur, tgt) ? powerCostOf(p, tgt) : before;
    const gross = Math.max(0, p.currentUsdPerHour + d);
    deltas[p.name] = gross - p.currentUsdPerHour - (after - before);
    powerDeltas[p.name] = after - before;
    powerNow += before;
    powerThen += after;
    currentUsd += p.currentUsdPerHour - before;
    projectedUsd += gross - after;
    if (moved(cur, tgt)) {
      changed.push(p.name);
      variance += model.std(p.name, cur, tgt) ** 2;
    }
  }
  const improvement = projectedUsd - currentUsd;
  const judged = changed.filter((n) => model.affects?.(n, current[n], target[n] ?? current[n]) ?? true);
  const factors = (changed.length > 0 ? judged : input.protocols.map((p) => p.name)).map((n) => model.dataFactor(n));
  const dataFactor = factors.length > 0 ? Math.min(...factors) : 1;
  const computed = changed.length === 0 ? dataFactor : gainConfidence(improvement, Math.sqrt(variance)) * dataFactor;
  const confidence = Math.min(1, Math.max(0, args.confidence ?? computed));
  const cost = switchingCost(input, changed);
  const holdHours = input.holdHours ?? 1;

  const explanations: Record<string, string> = {};
  for (const p of input.protocols) {
    const cur = current[p.name];
    const tgt = target[p.name] ?? cur;
    const moves = RESOURCES.filter((r) => Math.abs(cur[r] - tgt[r]) > MOVE_EPS).map((r) => `${r} ${round(cur[r], 2)}→${round(tgt[r], 2)} %`);
    const power = Math.abs(powerDeltas[p.name]) > 1e-9 ? ` (power cost ${signed(powerDeltas[p.name])} USD/h)` : '';
    const net = withPower ? ' net' : '';
    const head = moves.length > 0 ? `${moves.join(', ')}: ${signed(deltas[p.name])} USD/h${net} projected${power}` : 'keeps its shares';
    const note = args.notes?.[p.name];
    explanations[p.name] = `${head}${note ? `; ${note}` : ''}; ${model.describe(p.name)}.`;
  }

  return {
    strategy: args.strategy,
    createdAt: input.time,
    current,
    target: Object.fromEntries(input.protocols.map((p) => [p.name, { ...(target[p.name] ?? current[p.name]) }])),
    currentUsdPerHour: round(currentUsd, 6),
    projectedUsdPerHour: round(projectedUsd, 6),
    improvementUsdPerHour: round(improvement, 6),
    improvementPercent: round(currentUsd > 0 ? (100 * improvement) / currentUsd : improvement > 0 ? 100 : 0, 3),
    confidence: round(confidence, 4),
    switchingCostUsd: round(cost, 6),
    roi: cost > 0 ? round((improvement * holdHours - cost) / cost, 4) : null,
    exploration: args.exploration ?? false,
    opportunities: pairwiseOpportunities(input, current, target, model),
    explanations,
    projectedDeltas: Object.fromEntries(Object.entries(deltas).map(([name, d]) => [name, round(d, 6)])),
    ...(withPower ? { powerCostUsdPerHour: round(powerNow, 6), projectedPowerCostUsdPerHour: round(powerThen, 6) } : {}),
  };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${round(x, 4)}`;
}

/**
 * The plan's moves decomposed into pairs, per resource: the largest releases are matched with the largest
 * acquisitions (capacity nobody holds is the pseudo-protocol `unallocated`). Each pair is valued on its own, from
 * the current allocation, so an opportunity reads as "move X % of R from A to B".
 */
export function pairwiseOpportunities(input: OptimizerInput, current: Allocation, target: Allocation, model: PlanModel): Opportunity[] {
  const out: Opportunity[] = [];
  const real = new Set(input.protocols.map((p) => p.name));
  for (const r of RESOURCES) {
    const givers: { name: string; amount: number }[] = [];
    const takers: { name: string; amount: number }[] = [];
    for (const name of real) {
      const diff = (target[name]?.[r] ?? current[name][r]) - current[name][r];
      if (diff > MOVE_EPS) takers.push({ name, amount: diff });
      else if (diff < -MOVE_EPS) givers.push({ name, amount: -diff });
    }
    const balance = takers.reduce((s, t) => s + t.amount, 0) - givers.reduce((s, g) => s + g.amount, 0);
    if (balance > MOVE_EPS) givers.push({ name: UNALLOCATED, amount: balance });
    if (balance < -MOVE_EPS) takers.push({ name: UNALLOCATED, amount: -balance });
    givers.sort((a, b) => b.amount - a.amount);
    takers.sort((a, b) => b.amount - a.amount);
    let i = 0;
    let j = 0;
    while (i < givers.length && j < takers.length) {
      const x = Math.min(givers[i].amount, takers[j].amount);
      if (x > MOVE_EPS) out.push(valuePair(input, current, model, r, givers[i].name, takers[j].name, x));
      givers[i].amount -= x;
      takers[j].amount -= x;
      if (givers[i].amount <= MOVE_EPS) i++;
      if (takers[j].amount <= MOVE_EPS) j++;
    }
  }
  return out.sort((a, b) => b.gainUsdPerHour - a.gainUsdPerHour);
}

function valuePair(input: OptimizerInput, current: Allocation, model: PlanModel, r: Resource, from: string, to: string, x: number): Opportunity {
  let gain = 0;
  let variance = 0;
  const factors: number[] = [];
  for (const [name, sign] of [[from, -1], [to, 1]] as const) {
    if (name === UNALLOCATED) continue;
    const cur = current[name];
    const next = withShare(cur, r, cur[r] + sign * x);
    const protocol = input.protocols.find((p) => p.name === name);
    gain += model.delta(name, cur, next) - (powerCostOf(protocol, next) - powerCostOf(protocol, cur));
    variance += model.std(name, cur, next) ** 2;
    factors.push(model.dataFactor(name));
  }
  const cost = switchingCost(input, [from, to]);
  return {
    resource: r,
    from,
    to,
    sharePercent: round(x, 3),
    gainUsdPerHour: round(gain, 6),
    confidence: round(Math.min(1, gainConfidence(gain, Math.sqrt(variance)) * Math.min(1, ...factors)), 4),
    paybackHours: gain > 0 ? round(cost / gain, 3) : null,
  };
}
