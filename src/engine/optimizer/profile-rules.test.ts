import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../test/helpers/optimizer-instances.js';
import { resolveProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import { createHighsSolver } from './highs-solver.js';
import { createLpStrategy } from './lp.strategy.js';
import { learnedFloor, profileBounds, storageTargets } from './profile-rules.js';
import { settledObservations, settlingResources } from './response-model.js';
import { effectiveBounds, type Observation, type OptimizerInput, type ProtocolInput } from './types.js';

const mm = { min: 0, max: 100 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 10);
const host = { cpuCount: 8, memoryTotalBytes: 32 * 2 ** 30 };
const sh = (cpu: number, memory: number, bandwidth: number, storage: number): ResourceShares => ({ cpu, memory, bandwidth, storage });

function protocol(name: string, type: Parameters<typeof resolveProfile>[0], extra: Partial<ProtocolInput> = {}): ProtocolInput {
  return {
    name,
    connected: true,
    pinned: false,
    limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm },
    currentUsdPerHour: 0.05,
    restartsOnChange: false,
    observations: [],
    profile: resolveProfile(type, undefined, host),
    ...extra,
  };
}

function input(protocols: ProtocolInput[], current: Record<string, ResourceShares>): OptimizerInput {
  return {
    time: T0,
    current,
    reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 },
    protocols,
    policies: [],
    settings: { ...defaultSettings, exploration: { enabled: true, maxStepPercent: 10, scoutPercent: 1 } },
    holdHours: 1,
  };
}

/** Hourly observations at fixed shares, earning `usd`. */
const held = (shares: ResourceShares, usd: number, hours: number, startHour = 0): Observation[] =>
  Array.from({ length: hours }, (_, i) => ({ time: T0 - (startHour + hours - i) * HOUR, shares, usdPerHour: usd }));

/** 48 hourly observations: 4 hours at `base` earning `usdHigh`, 4 with its cpu at `lowCpu` earning `usdLow`, in turn. */
const alternating = (base: ResourceShares, lowCpu: number, usdHigh: number, usdLow: number): Observation[] =>
  Array.from({ length: 48 }, (_, i) => ({
    time: T0 - (48 - i) * HOUR,
    shares: i % 8 < 4 ? base : { ...base, cpu: lowCpu },
    usdPerHour: i % 8 < 4 ? usdHigh : usdLow,
  }));

describe('protocol profiles', () => {
  it('gives each type what it is paid for, its lag and its least useful share (a golem slot is one core and 2 GiB)', () => {
    const golem = resolveProfile('golem', undefined, host);
    expect(golem.kind).toBe('compute');
    expect(golem.minShare.cpu).toBe(12.5);
    expect(golem.minShare.memory).toBe(6.25);
    const storj = resolveProfile('storj', undefined, host);
    expect(storj.paidOn).toEqual(['storage', 'bandwidth']);
    expect(storj.lagMinutes).toBe(720);
    expect(storj.deletesDataWhenCut).toBe(true);
    expect(resolveProfile('grass', undefined, host).cadenceMinutes).toBe(1440);
  });

  it('takes the operator override, and an http-json protocol can declare itself a storage node', () => {
    const p = resolveProfile('http-json', { kind: 'storage', paidOn: ['storage'], lagMinutes: 30, minShare: { cpu: 3 } }, host);
    expect(p.kind).toBe('storage');
    expect(p.paidOn).toEqual(['storage']);
    expect(p.lagMinutes).toBe(30);
    expect(p.minShare.cpu).toBe(3);
    expect(p.deletesDataWhenCut).toBe(true);
  });
});

describe('storage rule', () => {
  it('never plans a storage node below the data it stores, whatever the model says', async () => {
    // storj earned nothing that its storage explains and golem earns on everything: a model alone would cut storj.
    const storj = protocol('storj', 'storj', { storedShare: 17.5, fillSharePerDay: 0, currentUsdPerHour: 0.01, observations: held(sh(18, 18, 18, 18), 0.01, 48) });
    const golem = protocol('golem', 'golem', { profile: resolveProfile('golem', { paidOn: ['cpu', 'memory', 'storage'] }, host), observations: held(sh(18, 18, 18, 18), 0.2, 48) });
    const inp = input([storj, golem], { storj: sh(18, 18, 18, 18), golem: sh(18, 18, 18, 18) });
    const bounds = profileBounds(inp, effectiveBounds(inp), storageTargets(inp, effectiveBounds(inp))?.target ?? null);
    expect(bounds.storj.storage.lo).toBeGreaterThanOrEqual(17.5);
    const plan = await createLpStrategy({ solver: createHighsSolver() }).plan(inp);
    expect(plan.target.storj.storage).toBeGreaterThanOrEqual(17.5);
  });

  it('grows a filling storage node ahead of its data by all the disk no other node is paid for, in one rule move', async () => {
    const storj = protocol('storj', 'storj', { storedShare: 15, fillSharePerDay: 0.6, observations: held(sh(18, 18, 18, 18), 0.05, 48) });
    const golem = protocol('golem', 'golem', { observations: held(sh(18, 18, 18, 18), 0.05, 48) });
    const inp = input([storj, golem], { storj: sh(18, 18, 18, 18), golem: sh(18, 18, 18, 18) });
    const plan = await createLpStrategy({ solver: createHighsSolver() }).plan(inp);
    expect(plan.rule).toMatch(/storage grown ahead of the data/);
    // Free capacity (90 - 36 = 54 points) and golem's disk, which golem is not paid for: storj can fill all of it.
    expect(plan.target.storj.storage).toBeCloseTo(90, 6);
    expect(plan.target.golem.storage).toBe(0);
    for (const r of ['cpu', 'memory', 'bandwidth'] as const) expect(plan.target.storj[r]).toBe(18);
  });

  it('leaves a storage node alone while its data is far from its allocation, and never takes disk a node is paid for', () => {
    const far = protocol('storj', 'storj', { storedShare: 5, fillSharePerDay: 0.6 });
    const idle = input([far, protocol('golem', 'golem')], { storj: sh(18, 18, 18, 18), golem: sh(18, 18, 18, 18) });
    expect(storageTargets(idle, effectiveBounds(idle))?.target).toEqual({ storj: 18, golem: 18 });
    // A full node next to another storage node: only the free capacity (90 - 36) is idle.
    const full = protocol('storj', 'storj', { storedShare: 18, fillSharePerDay: 0 });
    const other = protocol('other', 'http-json', { profile: resolveProfile('http-json', { kind: 'storage', paidOn: ['storage'] }, host), storedShare: 2 });
    const inp = input([full, other], { storj: sh(18, 18, 18, 18), other: sh(18, 18, 18, 18) });
    expect(storageTargets(inp, effectiveBounds(inp))?.target).toEqual({ storj: 72, other: 18 });
  });

  it('does not grow storage of a node that earns nothing', () => {
    const storj = protocol('storj', 'storj', { storedShare: 18, fillSharePerDay: 1, currentUsdPerHour: 0 });
    const inp = input([storj], { storj: sh(18, 18, 18, 18) });
    expect(storageTargets(inp, effectiveBounds(inp))?.target.storj).toBe(18);
  });
});

describe('least useful shares', () => {
  it('never takes a compute node below one task slot, even when its data says the cores are worth little', async () => {
    const golem = protocol('golem', 'golem', { currentUsdPerHour: 0.001, observations: held(sh(14, 8, 18, 18), 0.001, 48) });
    const myst = protocol('mysterium', 'mysterium', { currentUsdPerHour: 0.5, profile: resolveProfile('mysterium', { paidOn: ['cpu', 'bandwidth'] }, host), observations: held(sh(14, 8, 18, 18), 0.5, 48) });
    const inp = input([golem, myst], { golem: sh(14, 8, 18, 18), mysterium: sh(14, 8, 18, 18) });
    const plan = await createLpStrategy({ solver: createHighsSolver() }).plan(inp);
    expect(plan.target.golem.cpu).toBeGreaterThanOrEqual(12.5);
    expect(plan.target.golem.memory).toBeGreaterThanOrEqual(6.25);
  });

  it('brings a node an outage emptied back to its least useful share as a rule, from the others above their own', async () => {
    // golem came back from an outage with no bandwidth (tasks cannot be fetched) and less cpu than one slot.
    const cur = { golem: sh(10, 20, 0, 18), mysterium: sh(30, 30, 90, 18) };
    const golem = protocol('golem', 'golem', { currentUsdPerHour: 0.001, observations: held(cur.golem, 0.001, 48) });
    const myst = protocol('mysterium', 'mysterium', { currentUsdPerHour: 0.5, observations: held(cur.mysterium, 0.5, 48) });
    const inp = { ...input([golem, myst], cur), reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 } };
    const plan = await createLpStrategy({ solver: createHighsSolver() }).plan(inp);
    expect(plan.rule).toMatch(/golem raised to its least useful share/);
    expect(plan.target.golem.bandwidth).toBe(1);
    expect(plan.target.golem.cpu).toBe(12.5);
    // Bandwidth is all held (90 % of 90): mysterium gives the point; cpu comes from free capacity.
    expect(plan.target.mysterium.bandwidth).toBeCloseTo(89, 6);
    expect(plan.target.mysterium.cpu).toBe(30);
    // A disconnected node is left alone: it may only give shares back.
    const down = await createLpStrategy({ solver: createHighsSolver() }).plan({ ...inp, protocols: [{ ...golem, connected: false }, myst] });
    expect(down.rule ?? '').not.toMatch(/least useful share/);
  });

  it('learns a floor where a node was seen earning nothing below a share at which it earned', () => {
    const p = protocol('x', 'http-json', {
      observations: [...held(sh(5, 10, 10, 0), 0, 10, 20), ...held(sh(10, 10, 10, 0), 0.2, 10)],
    });
    expect(learnedFloor(p, 'cpu')).toBe(10);
    expect(learnedFloor(p, 'memory')).toBe(0);
  });
});

describe('reading and probing by profile', () => {
  it('keeps learning a storage node after a storage move, and a bandwidth sharer after its disk was handed over', () => {
    const obs = (storage: number, from: number, n: number): Observation[] =>
      Array.from({ length: n }, (_, i) => ({ time: T0 + (from + i) * HOUR, shares: sh(18, 18, 18, storage), usdPerHour: 0.05 }));
    const series = [...obs(18, 0, 10), ...obs(25, 10, 10)];
    // Storage settles over weeks: without a profile the ten hours after the move say nothing yet.
    expect(settledObservations(series, settlingResources(undefined))).toHaveLength(10);
    expect(settledObservations(series, settlingResources(resolveProfile('storj', undefined, host)))).toHaveLength(20);
    expect(settledObservations(series, settlingResources(resolveProfile('grass', undefined, host)))).toHaveLength(20);
    // Storage the operator lets the optimizer cut is the model's to learn, so it settles as any resource.
    expect(settledObservations(series, settlingResources(resolveProfile('storj', { allowDataDeletion: true }, host)))).toHaveLength(10);
  });

  it('does not probe what a node earns from while its last move is not readable yet', async () => {
    // The capacity (90 %) is all held: gaining cpu means taking it from mysterium, which is not paid for it.
    const cur = { golem: sh(30, 30, 30, 30), streamr: sh(30, 30, 30, 30), mysterium: sh(30, 30, 30, 30) };
    const inp = input(
      [
        protocol('golem', 'golem', { currentUsdPerHour: 0.1, observations: held(cur.golem, 0.1, 48) }),
        protocol('streamr', 'streamr', { currentUsdPerHour: 0.1, observations: held(cur.streamr, 0.1, 48) }),
        protocol('mysterium', 'mysterium', { currentUsdPerHour: 0.01, observations: held(cur.mysterium, 0.01, 48) }),
      ],
      cur,
    );
    // A model that only extrapolates is not trusted here: the optimizer probes instead. (In whole slots golem's plan
    // reaches 0.998: the memory its third slot does not need goes to streamr at no projected cost.)
    inp.settings = { ...inp.settings, minConfidence: 0.9999 };
    const lp = createLpStrategy({ solver: createHighsSolver() });
    const free = await lp.plan(inp);
    expect(free.exploration).toBe(true);
    expect(free.target.golem.cpu).toBeGreaterThan(30);
    const waiting = await lp.plan({ ...inp, heldForReading: ['golem'] });
    expect(waiting.exploration).toBe(true);
    for (const r of ['cpu', 'memory'] as const) expect(waiting.target.golem[r]).toBe(30);
    expect(waiting.target.streamr.cpu).toBeGreaterThan(30);
  });
});

describe('acting on what is known', () => {
  it('does not cut a node further while its last cut of what it is paid for cannot be read yet', async () => {
    // All the cpu is held (90 % with the reserve), grass at its least: golem's more cpu can only come from streamr.
    const cur = { golem: sh(30, 30, 30, 30), streamr: sh(59, 30, 30, 30), grass: sh(1, 30, 30, 30) };
    // golem visibly earns more with more cpu, streamr hardly (their cpu was cut every other 4 hours).
    const inp = input(
      [
        protocol('golem', 'golem', { currentUsdPerHour: 0.1, observations: alternating(cur.golem, 25, 0.1, 0.08) }),
        protocol('streamr', 'streamr', { currentUsdPerHour: 0.05, observations: alternating(cur.streamr, 54, 0.05, 0.0499) }),
        protocol('grass', 'grass', { currentUsdPerHour: 0.05, observations: held(cur.grass, 0.05, 48) }),
      ],
      cur,
    );
    const lp = createLpStrategy({ solver: createHighsSolver() });
    const free = await lp.plan(inp);
    expect(free.exploration).toBe(false);
    expect(free.target.golem.cpu).toBeGreaterThan(30);
    expect(free.target.streamr.cpu).toBeLessThan(59);
    // streamr's last cut of its cpu is not in its reports yet (a 12-hour lag): it is not cut again until it is.
    const waiting = await lp.plan({ ...inp, unreadCuts: { streamr: ['cpu'] } });
    expect(waiting.target.streamr.cpu).toBe(59);
    expect(waiting.target.golem.cpu).toBe(30);
    // An unread cut holds only that way: a node whose cut is unread may be given more (here golem, cut before).
    const givenBack = await lp.plan({ ...inp, unreadCuts: { golem: ['cpu'] } });
    expect(givenBack.target).toEqual(free.target);
  });

  it('plans among the nodes with data when one has none yet, leaving what that one earns from alone', async () => {
    const cur = { golem: sh(30, 30, 30, 30), streamr: sh(30, 30, 30, 30), grass: sh(30, 30, 30, 30) };
    // golem visibly earns more with more cpu, streamr hardly; grass (paid once a day) has no data at all yet.
    const inp = input(
      [
        protocol('golem', 'golem', { currentUsdPerHour: 0.1, observations: alternating(cur.golem, 25, 0.1, 0.08) }),
        protocol('streamr', 'streamr', { currentUsdPerHour: 0.05, observations: alternating(cur.streamr, 25, 0.05, 0.0499) }),
        protocol('grass', 'grass', { currentUsdPerHour: 0.05, observations: [] }),
      ],
      cur,
    );
    const plan = await createLpStrategy({ solver: createHighsSolver() }).plan(inp);
    expect(plan.exploration).toBe(false);
    expect(plan.confidence).toBeGreaterThanOrEqual(0.7);
    expect(plan.target.golem.cpu).toBeGreaterThan(30);
    expect(plan.target.grass.bandwidth).toBe(30);
  });
});
