import { describe, expect, it } from 'vitest';
import { protocolInput } from '../../../test/helpers/optimizer-instances.js';
import { resolveProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import { createHighsSolver } from './highs-solver.js';
import { evaluateCurve } from './piecewise.js';
import { deltaStd, fitProtocolResponse, responseDelta, settledObservations } from './response-model.js';
import type { Observation, ProtocolInput } from './types.js';

const solver = createHighsSolver();
const settings = { minObservations: 12, historyHours: 72 };
const HOUR = 3_600_000;

/** Deterministic pseudo-random numbers (mulberry32) so the noise is the same on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const protocol = (observations: Observation[], currentUsdPerHour: number): ProtocolInput => protocolInput('golem', observations, currentUsdPerHour);

const shares = (cpu: number): ResourceShares => ({ cpu, memory: 20, bandwidth: 0, storage: 0 });

describe('response model', () => {
  it('recovers a known concave curve from noisy samples', async () => {
    const truth = (cpu: number) => 0.8 * (1 - Math.exp(-cpu / 25)) + 0.1;
    const random = rng(7);
    const obs: Observation[] = [];
    const levels = [10, 20, 30, 40, 50, 60];
    let t = 0;
    // Each level held for 3 hours, sampled every minute; the first 5 minutes after a change are unsettled.
    for (const cpu of levels) {
      for (let i = 0; i < 180; i++) {
        obs.push({ time: t, shares: shares(cpu), usdPerHour: truth(cpu) + (random() - 0.5) * 0.04 });
        t += 60_000;
      }
    }
    const current = shares(60);
    const model = await fitProtocolResponse(solver, protocol(obs, truth(60)), current, settings, t);
    expect(model.fitted).toBe(true);
    expect(model.observedRange.cpu).toEqual([10, 60]);
    // Differences between observed levels are what the data identifies; they match the truth.
    for (const [a, b] of [[10, 30], [20, 60], [40, 50]] as const) {
      const fitted = responseDelta(model, shares(a), shares(b));
      expect(Math.abs(fitted - (truth(b) - truth(a)))).toBeLessThan(0.02);
    }
    // Diminishing returns: slopes never increase, never go negative.
    const s = model.curves.cpu.slopes;
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1] + 1e-12);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
    // The level at observed points is reproduced by the additive model.
    const level = model.baseUsdPerHour + evaluateCurve(model.curves.cpu, 30) + evaluateCurve(model.curves.memory, 20);
    expect(Math.abs(level - truth(30))).toBeLessThan(0.02);
    // Interpolation is tight; a move beyond what was observed is uncertain.
    expect(deltaStd(model, shares(20), shares(40))).toBeLessThan(0.01);
    expect(deltaStd(model, shares(60), shares(90))).toBeGreaterThan(deltaStd(model, shares(20), shares(40)));
  });

  it('falls back to a line through the current rate when observations are few', async () => {
    const obs: Observation[] = Array.from({ length: 5 }, (_, i) => ({ time: i * HOUR, shares: shares(40), usdPerHour: 0.5 }));
    const model = await fitProtocolResponse(solver, protocol(obs, 0.6), shares(40), settings, 5 * HOUR);
    expect(model.fitted).toBe(false);
    // Two held resources split the 0.6 USD/h equally: cpu earns 0.3 at 40 %, linearly.
    expect(evaluateCurve(model.curves.cpu, 40)).toBeCloseTo(0.3, 10);
    expect(evaluateCurve(model.curves.cpu, 80)).toBeCloseTo(0.6, 10);
    expect(evaluateCurve(model.curves.memory, 20)).toBeCloseTo(0.3, 10);
    expect(evaluateCurve(model.curves.storage, 50)).toBe(0);
    // Everything is extrapolation: the uncertainty is as large as the projected change.
    expect(deltaStd(model, shares(40), shares(50))).toBeCloseTo(Math.abs(responseDelta(model, shares(40), shares(50))), 10);
  });

  it('fits a protocol that earned almost nothing while observed, whose current rate is far higher', async () => {
    // A bandwidth node watched for days at 1-4 % earning a few micro-dollars an hour, now at 25 % earning 0.01 USD/h.
    const bw = (bandwidth: number): ResourceShares => ({ cpu: 0, memory: 0, bandwidth, storage: 0 });
    const obs: Observation[] = [];
    let t = 0;
    for (const level of [1, 2, 3, 4]) {
      for (let i = 0; i < 36; i++) {
        obs.push({ time: t, shares: bw(level), usdPerHour: 2e-8 * level * (1 + 0.05 * Math.sin(i)) });
        t += 15 * 60_000;
      }
    }
    const model = await fitProtocolResponse(solver, protocol(obs, 0.01), bw(25), settings, t);
    expect(model.fitted).toBe(true);
    // What was observed is reproduced at its own (tiny) scale, not rounded to zero or to the current rate.
    const at = (x: number) => model.baseUsdPerHour + evaluateCurve(model.curves.bandwidth, x);
    for (const level of [1, 4]) expect(Math.abs(at(level) - 2e-8 * level)).toBeLessThan(1e-8);
  });

  it('does not count observations taken before a resource settled', () => {
    const obs: Observation[] = [];
    for (let i = 0; i < 10; i++) obs.push({ time: i * HOUR, shares: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 }, usdPerHour: 1 });
    // Storage changes at hour 10: the next 14 days are unsettled; CPU changes at hour 11: settled 5 minutes later.
    for (let i = 10; i < 20; i++) obs.push({ time: i * HOUR, shares: { cpu: 10, memory: 10, bandwidth: 10, storage: 20 }, usdPerHour: 1 });
    expect(settledObservations(obs)).toHaveLength(10);
    const cpuOnly = obs.slice(0, 10).concat(
      Array.from({ length: 10 }, (_, i) => ({ time: (10 + i) * HOUR, shares: { cpu: 20, memory: 10, bandwidth: 10, storage: 10 }, usdPerHour: 1 })),
    );
    // The observation at the change itself has not settled; the rest (5 min time constant) have.
    expect(settledObservations(cpuOnly)).toHaveLength(19);
    const at = (time: number, cpu: number): Observation => ({ time, shares: { cpu, memory: 10, bandwidth: 10, storage: 10 }, usdPerHour: 1 });
    const fast = obs.slice(0, 10).concat([at(10 * HOUR, 30), at(10 * HOUR + 2 * 60_000, 30), at(10 * HOUR + 6 * 60_000, 30)]);
    expect(settledObservations(fast).length).toBe(11);
  });
  it("gives no slope to a resource the node's profile says it is not paid for, however its earnings moved with it", async () => {
    // A storage node's earnings grow with its data while it happened to hold more and more CPU; bandwidth, which it is
    // paid for (egress), moved too.
    const obs: Observation[] = [];
    for (let i = 0; i < 72; i++) {
      const step = Math.floor(i / 12);
      const s = { cpu: 10 + 10 * step, memory: 10, bandwidth: step % 2 === 0 ? 10 : 20, storage: 50 };
      obs.push({ time: i * HOUR, shares: s, usdPerHour: 0.01 * (1 + i / 72) + 0.0002 * s.bandwidth });
    }
    const storj = { ...protocol(obs, 0.02), name: 'storj', profile: resolveProfile('storj', undefined, null) };
    const at = { cpu: 60, memory: 10, bandwidth: 20, storage: 50 };
    const m = await fitProtocolResponse(solver, storj, at, settings, 72 * HOUR);
    expect(m.fitted).toBe(true);
    expect(responseDelta(m, at, { ...at, cpu: 90 })).toBe(0);
    expect(responseDelta(m, at, { ...at, cpu: 30 })).toBe(0);
    expect(responseDelta(m, { ...at, bandwidth: 10 }, at)).toBeGreaterThan(0.001);
  });
});
