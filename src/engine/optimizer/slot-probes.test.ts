import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../test/helpers/optimizer-instances.js';
import { resolveProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import { createHighsSolver } from './highs-solver.js';
import { createLpStrategy } from './lp.strategy.js';
import { slotCount } from './task-slots.js';
import type { Observation, OptimizerInput, ProtocolInput } from './types.js';

const host = { cpuCount: 8, memoryTotalBytes: 32 * 2 ** 30 };
const SLOT = { cpu: 12.5, memory: 6.25 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 10);
const mm = { min: 0, max: 100 };
const sh = (cpu: number, memory: number, bandwidth: number, storage: number): ResourceShares => ({ cpu, memory, bandwidth, storage });
const lp = createLpStrategy({ solver: createHighsSolver() });

/** A few hours at one allocation: too little for a fit, so every model is the prior and no plan is trusted. */
function node(name: string, type: 'golem' | 'streamr', shares: ResourceShares, usdPerHour: number): ProtocolInput {
  const observations: Observation[] = Array.from({ length: 4 }, (_, i) => ({ time: T0 - (4 - i) * HOUR, shares, usdPerHour }));
  return {
    name,
    connected: true,
    pinned: false,
    limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm },
    currentUsdPerHour: usdPerHour,
    restartsOnChange: false,
    observations,
    profile: resolveProfile(type, undefined, host),
  };
}

function input(golem: ResourceShares, golemUsd: number, other: ResourceShares, otherUsd: number): OptimizerInput {
  return {
    time: T0,
    current: { golem, other },
    reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 },
    protocols: [node('golem', 'golem', golem, golemUsd), node('other', 'streamr', other, otherUsd)],
    policies: [],
    settings: defaultSettings,
  };
}

describe('exploration of a compute provider that runs tasks in slots', () => {
  it('probes one whole slot more, its cpu and the memory it needs together, before any data say it earns in slots', async () => {
    // Two slots earn well and the other node earns little on its cpu and memory: the model's optimum gives the compute
    // node more. A probe of cpu alone (the generic 5-point step) would hold no new slot and teach nothing.
    const plan = await lp.plan(input(sh(25, 12.5, 5, 0), 0.06, sh(55, 60, 40, 0), 0.01));
    expect(plan.exploration).toBe(true);
    expect(slotCount(plan.target.golem, SLOT)).toBe(3);
    expect(plan.target.golem.cpu).toBeCloseTo(37.5, 6);
    expect(plan.target.golem.memory).toBeGreaterThanOrEqual(18.75 - 1e-6);
    // Capacity and reserve hold.
    expect(plan.target.golem.cpu + plan.target.other.cpu).toBeLessThanOrEqual(90 + 1e-6);
    expect(plan.target.golem.memory + plan.target.other.memory).toBeLessThanOrEqual(90 + 1e-6);
  });

  it('never probes a slot away: a slot taken stops its tasks, and what fewer slots earn was seen on the way up', async () => {
    // Now the other node looks the better home for cpu and memory; the compute node keeps its three slots.
    const plan = await lp.plan(input(sh(37.5, 18.75, 5, 0), 0.01, sh(30, 30, 40, 0), 0.2));
    expect(slotCount(plan.target.golem, SLOT)).toBe(3);
  });
});
