import { describe, expect, it } from 'vitest';
import { polishOnTruth, totalOf } from '../../bench/lib/oracle-polish.js';
import { createHighsSolver, runMonth } from '../../bench/lib/market-run.js';
import type { ResourceShares } from '../../src/domain/resources.js';
import { harshEvents, harshMarket } from '../../src/sim/market-harsh.js';

const zero = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
const bounds = (names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { cpu: { lo: 0, hi: 100 }, memory: { lo: 0, hi: 100 }, bandwidth: { lo: 0, hi: 100 }, storage: { lo: 0, hi: 100 } }]));

describe('the decision benchmark oracle', () => {
  it('gives a node that needs cpu and memory together both at once, from zero', () => {
    // A compute node earns per whole slot of 12.5 cpu and 6.25 memory; a smooth node earns a little from cpu alone.
    const truth = (n: string, s: ResourceShares) =>
      n === 'slots' ? 0.03 * Math.min(4, Math.floor(Math.min(s.cpu / 12.5, s.memory / 6.25))) : 0.01 * (1 - Math.exp(-s.cpu / 20));
    const start = { slots: { ...zero }, smooth: { ...zero, cpu: 90, memory: 90 } };
    const capacity = { cpu: 90, memory: 90, bandwidth: 90, storage: 95 };
    const out = polishOnTruth(start, truth, bounds(['slots', 'smooth']), capacity);
    expect(out.slots.cpu).toBeGreaterThanOrEqual(50);
    expect(out.slots.memory).toBeGreaterThanOrEqual(25);
    expect(totalOf(out, truth)).toBeGreaterThan(totalOf(start, truth) + 0.1);
  });

  it('brings a compute node back after its outage on the harsh market and earns above the equal split', async () => {
    // Seed 1: golem is down from day 9.6 for 3 days; an oracle that gave its cores away must give them back.
    const outage = harshEvents(Date.UTC(2026, 0, 1), 1, 16).find((e) => e.kind === 'outage')!;
    expect(outage.protocol).toBe('golem');
    const solver = createHighsSolver();
    const run = (strategy: 'oracle' | 'equal') =>
      runMonth({ market: harshMarket, seed: 1, strategy, days: 16, sampleMinutes: 15, decideEverySamples: 2, solver });
    const [oracle, equal] = [await run('oracle'), await run('equal')];
    expect(oracle.final.golem.cpu).toBeGreaterThanOrEqual(12.5);
    expect(oracle.final.golem.memory).toBeGreaterThanOrEqual(6.25);
    expect(oracle.earnedUsd).toBeGreaterThan(equal.earnedUsd);
    expect(oracle.dataDeletedPercent).toBe(0);
  });
});
