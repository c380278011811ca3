import { RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Allocation, type Resource } from '../../domain/resources.js';
import { type Bounds, capacityOf, currentShares, type OptimizerInput, round } from './types.js';

/** Exploration only moves resources that answer within this time: a storage probe would take weeks to read. */
export const EXPLORABLE_WITHIN_MS = 2 * 3_600_000;
/** A probe smaller than this (percent points) teaches nothing above the noise. */
export const MIN_PROBE = 0.5;

export function isFeasible(input: OptimizerInput, alloc: Allocation, bounds: Bounds): boolean {
  const cap = capacityOf(input);
  return RESOURCES.every((r) => {
    let used = 0;
    for (const p of input.protocols) {
      const x = alloc[p.name]?.[r] ?? 0;
      if (x < bounds[p.name][r].lo - 1e-9 || x > bounds[p.name][r].hi + 1e-9) return false;
      used += x;
    }
    return used <= cap[r] + 1e-9;
  });
}

export interface Probe {
  resource: Resource;
  target: Allocation;
}

/**
 * One candidate probe per fast resource: only that resource's shares move, toward `toward`, scaled so that no share
 * moves more than `maxStepPercent`. Any point between two feasible allocations is feasible (the constraints are
 * linear, per resource), so each probe honours capacity, reserve and policies whenever the current allocation does.
 */
export function explorationProbes(input: OptimizerInput, toward: Allocation, bounds: Bounds): Probe[] {
  const current: Allocation = Object.fromEntries(input.protocols.map((p) => [p.name, { ...currentShares(input, p.name) }]));
  if (!isFeasible(input, current, bounds)) return [];
  const probes: Probe[] = [];
  for (const r of RESOURCES) {
    if (RESOURCE_TIME_CONSTANT_MS[r] > EXPLORABLE_WITHIN_MS) continue;
    const largest = Math.max(0, ...input.protocols.map((p) => Math.abs(toward[p.name][r] - current[p.name][r])));
    const alpha = Math.min(1, input.settings.exploration.maxStepPercent / Math.max(largest, 1e-12));
    if (alpha * largest < MIN_PROBE) continue;
    const target: Allocation = {};
    for (const p of input.protocols) {
      target[p.name] = { ...current[p.name] };
      target[p.name][r] = round(current[p.name][r] + alpha * (toward[p.name][r] - current[p.name][r]), 6);
    }
    if (isFeasible(input, target, bounds)) probes.push({ resource: r, target });
  }
  return probes;
}
