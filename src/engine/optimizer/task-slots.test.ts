import { describe, expect, it } from 'vitest';
import { defaultSettings, protocolInput } from '../../../test/helpers/optimizer-instances.js';
import { resolveProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver } from './highs-solver.js';
import { linearCurve } from './piecewise.js';
import { fitResponses } from './fit-responses.js';
import { responseDelta } from './response-model.js';
import { slotCount, taskSlotOf, toSlotSpace } from './task-slots.js';
import type { Observation, OptimizerInput } from './types.js';

const solver = createHighsSolver();
const host = { cpuCount: 8, memoryTotalBytes: 32 * 2 ** 30 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 10);
const sh = (cpu: number, memory: number, bandwidth: number, storage: number): ResourceShares => ({ cpu, memory, bandwidth, storage });
const zero = linearCurve(0);

/** A Golem node with these observations, fitted as the optimizer fits it at T0 holding `current`. */
async function fitGolem(observations: Observation[], currentUsdPerHour: number, current: ResourceShares) {
  const golem = protocolInput('golem', observations, currentUsdPerHour, { profile: resolveProfile('golem', undefined, host) });
  const input: OptimizerInput = {
    time: T0,
    current: { golem: current },
    reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 },
    protocols: [golem],
    policies: [],
    settings: defaultSettings,
  };
  return (await fitResponses(solver, input)).get('golem')!;
}

describe('task slots', () => {
  it('a compute profile on a known host has a slot of one core and 2 GiB; other kinds and unknown hosts have none', () => {
    expect(taskSlotOf(resolveProfile('golem', undefined, host))).toEqual({ cpu: 12.5, memory: 6.25 });
    expect(taskSlotOf(resolveProfile('golem', undefined, null))).toBeNull();
    expect(taskSlotOf(resolveProfile('streamr', undefined, host))).toBeNull();
  });

  it('counts the whole slots both cpu and memory hold', () => {
    const slot = { cpu: 12.5, memory: 6.25 };
    expect(slotCount(sh(18, 18, 0, 0), slot)).toBe(1);
    expect(slotCount(sh(75, 37.5, 0, 0), slot)).toBe(6);
    expect(slotCount(sh(75, 12, 0, 0), slot)).toBe(1);
    expect(toSlotSpace(sh(40, 40, 3, 4), slot)).toEqual(sh(37.5, 0, 3, 4));
  });

  it('plans whole slots with memory for each, and gives what a fraction of a slot would hold to the others', async () => {
    const slot = { cpu: 12.5, memory: 6.25 };
    // The compute node earns 0.01 per cpu point up to 40 points; the other node earns half that on cpu and little on memory.
    const curves = {
      golem: { cpu: { knots: [0, 40, 100], slopes: [0.01, 0] }, memory: zero, bandwidth: zero, storage: zero },
      other: { cpu: linearCurve(0.005), memory: linearCurve(0.001), bandwidth: zero, storage: zero },
    };
    const b = { lo: 0, hi: 90 };
    const bounds = { golem: { cpu: b, memory: b, bandwidth: b, storage: b }, other: { cpu: b, memory: b, bandwidth: b, storage: b } };
    const current = { golem: sh(20, 20, 0, 0), other: sh(20, 20, 0, 0) };
    const capacity = sh(90, 90, 90, 90);
    const target = await solveAllocation(solver, { curves, bounds, capacity, current, slots: { golem: slot } });
    // 40 cpu points is 3.2 slots: 3 slots (37.5) and their memory (18.75), the rest to the other node.
    expect(target.golem.cpu).toBeCloseTo(37.5, 6);
    expect(target.golem.memory).toBeGreaterThanOrEqual(18.75 - 1e-6);
    expect(target.other.cpu).toBeCloseTo(90 - 37.5, 6);
    expect(target.golem.memory + target.other.memory).toBeLessThanOrEqual(90 + 1e-6);
    // Without the slot the same curves keep cpu at 40 and leave memory where the tie-break puts it.
    const free = await solveAllocation(solver, { curves, bounds, capacity, current });
    expect(free.golem.cpu).toBeCloseTo(40, 6);
  });

  it('fits a compute node on its slots when they explain its earnings: memory its cores cannot use is worth nothing', async () => {
    // 2 slots earn 0.06 whether cpu or memory limits them, 3 slots earn 0.08, memory to spare adds nothing: no sum of a
    // cpu curve and a memory curve says that, whole slots do.
    const states: [ResourceShares, number][] = [
      [sh(25, 32.5, 5, 0), 0.06],
      [sh(37.5, 12.5, 5, 0), 0.06],
      [sh(25, 12.5, 5, 0), 0.06],
      [sh(37.5, 18.75, 5, 0), 0.08],
      [sh(37.5, 28.75, 5, 0), 0.08],
    ];
    const obs: Observation[] = [];
    for (let i = 0; i < 60; i++) {
      const [shares, usd] = states[Math.floor(i / 4) % states.length];
      obs.push({ time: T0 - (60 - i) * HOUR, shares, usdPerHour: usd });
    }
    const m = await fitGolem(obs, 0.08, sh(37.5, 18.75, 5, 0));
    expect(m.slot).toEqual({ cpu: 12.5, memory: 6.25 });
    // Memory alone adds nothing; a slot less costs what the data say (0.02 USD/h).
    expect(responseDelta(m, sh(37.5, 18.75, 5, 0), sh(37.5, 40, 5, 0))).toBeCloseTo(0, 6);
    expect(responseDelta(m, sh(37.5, 18.75, 5, 0), sh(37.5, 12.5, 5, 0))).toBeCloseTo(-0.02, 3);
    // Half a slot of cpu more (no whole slot) changes nothing.
    expect(responseDelta(m, sh(37.5, 18.75, 5, 0), sh(43, 22, 5, 0))).toBeCloseTo(0, 6);
  });

  it('fits a node whose earnings follow its cpu and memory apart on them, not on slots', async () => {
    const obs: Observation[] = [];
    const states = [sh(20, 20, 5, 0), sh(30, 20, 5, 0), sh(40, 20, 5, 0), sh(30, 10, 5, 0), sh(30, 30, 5, 0)];
    for (let i = 0; i < 60; i++) {
      const shares = states[Math.floor(i / 4) % states.length];
      obs.push({ time: T0 - (60 - i) * HOUR, shares, usdPerHour: 0.001 * shares.cpu + 0.0005 * shares.memory });
    }
    const m = await fitGolem(obs, 0.04, sh(30, 20, 5, 0));
    expect(m.slot).toBeUndefined();
    expect(responseDelta(m, sh(30, 20, 5, 0), sh(30, 30, 5, 0))).toBeGreaterThan(0.003);
  });

  it('chooses between slots and separate curves on the last day, which neither fit has seen', async () => {
    // Cores and memory moved together for two days, then the node held cores without the memory for them: it earned
    // what its whole slots earn. Curves of cpu and memory apart, fitted on the days they moved together, promise more.
    const slotUsd = (n: number) => [0, 0.03, 0.054, 0.0732, 0.0886, 0.1009][n];
    const together = [sh(25, 12.5, 5, 0), sh(37.5, 18.75, 5, 0), sh(50, 25, 5, 0), sh(37.5, 18.75, 5, 0)];
    const noise = (i: number) => 0.004 * Math.sin(i * 2.7);
    const obs: Observation[] = [];
    for (let i = 0; i < 48; i++) {
      const shares = together[Math.floor(i / 6) % together.length];
      obs.push({ time: T0 - (72 - i) * HOUR, shares, usdPerHour: slotUsd(slotCount(shares, { cpu: 12.5, memory: 6.25 })) + noise(i) });
    }
    for (let i = 48; i < 72; i++) obs.push({ time: T0 - (72 - i) * HOUR, shares: sh(62.5, 18.75, 5, 0), usdPerHour: slotUsd(3) + noise(i) });
    const m = await fitGolem(obs, slotUsd(3), sh(62.5, 18.75, 5, 0));
    expect(m.slot).toEqual({ cpu: 12.5, memory: 6.25 });
    // More cores without memory for them earn nothing.
    expect(responseDelta(m, sh(62.5, 18.75, 5, 0), sh(75, 18.75, 5, 0))).toBeCloseTo(0, 6);
  });
});
