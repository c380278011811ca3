import { describe, expect, it } from 'vitest';
import { zeroShares } from '../domain/resources.js';
import { VirtualClock } from '../lib/clock.js';
import { createMarket } from './market.js';

const H = 3_600_000;
const D = 24 * H;
const shares = (cpu: number, memory: number, bandwidth: number, storage: number) => ({ cpu, memory, bandwidth, storage });

function market(seed: number, clock = new VirtualClock(), events = []) {
  return createMarket({
    seed,
    clock,
    events,
    protocols: [
      { name: 'storj', type: 'storj', initialAllocation: shares(10, 10, 10, 10) },
      { name: 'golem', type: 'golem', initialAllocation: shares(10, 10, 10, 10) },
    ],
  });
}

describe('simulated market', () => {
  it('is deterministic from the seed, whatever the query pattern', async () => {
    const c1 = new VirtualClock();
    const c2 = new VirtualClock();
    const a = market(5, c1);
    const b = market(5, c2);
    const other = market(6, new VirtualClock());
    await c1.advance(3 * D);
    for (let i = 0; i < 72; i++) {
      await c2.advance(H);
      b.models.get('golem')!.cumulativeTokens();
    }
    expect(a.models.get('golem')!.cumulativeTokens()).toBeCloseTo(b.models.get('golem')!.cumulativeTokens(), 9);
    expect(a.trueUsdPerHour({ golem: shares(20, 20, 0, 0) }, c1.now() + 5 * D)).toBe(b.trueUsdPerHour({ golem: shares(20, 20, 0, 0) }, c1.now() + 5 * D));
    expect(other.trueUsdPerHour({ golem: shares(20, 20, 0, 0) }, c1.now() + 5 * D)).not.toBe(a.trueUsdPerHour({ golem: shares(20, 20, 0, 0) }, c1.now() + 5 * D));
  });

  it('has diminishing returns per resource', () => {
    const m = market(1).models.get('golem')!;
    const t = Date.UTC(2026, 0, 1);
    const at = (cpu: number) => m.trueUsdPerHour(shares(cpu, 0, 0, 0), t);
    expect(at(0)).toBe(0);
    const gains = [at(10) - at(0), at(20) - at(10), at(30) - at(20), at(40) - at(30)];
    for (let i = 1; i < gains.length; i++) expect(gains[i]!).toBeLessThan(gains[i - 1]!);
    expect(gains[3]!).toBeGreaterThan(0);
  });

  it('follows an allocation change at the resource time constant: cpu in minutes, storage over weeks', async () => {
    const clock = new VirtualClock();
    const mk = market(2, clock);
    const golem = mk.models.get('golem')!;
    const storj = mk.models.get('storj')!;
    golem.setAllocation(shares(50, 10, 10, 10));
    storj.setAllocation(shares(10, 10, 10, 50));
    await clock.advance(30 * 60_000);
    expect(golem.effectiveShares().cpu).toBeGreaterThan(49);
    expect(storj.effectiveShares().storage).toBeLessThan(11);
    await clock.advance(14 * D);
    const s = storj.effectiveShares().storage;
    expect(s).toBeGreaterThan(30);
    expect(s).toBeLessThan(40);
  });

  it('counters advance with time; a dropped counter restarts lower', async () => {
    const clock = new VirtualClock();
    const m = market(3, clock).models.get('storj')!;
    const a = m.cumulativeTokens();
    await clock.advance(H);
    const b = m.cumulativeTokens();
    expect(b).toBeGreaterThan(a);
    m.dropCounter(0.9);
    expect(m.cumulativeTokens()).toBeCloseTo(b * 0.1, 12);
  });

  it('drifts daily within bounds and applies scheduled events', () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const mk = createMarket({
      seed: 4,
      clock,
      protocols: [{ name: 'golem', type: 'golem' }],
      events: [
        { protocol: 'golem', kind: 'outage', at: t0 + D, durationMs: H },
        { protocol: 'golem', kind: 'boost', at: t0 + 2 * D, factor: 3 },
      ],
    });
    const g = mk.models.get('golem')!;
    const s = shares(30, 30, 0, 0);
    const days = Array.from({ length: 30 }, (_, i) => g.trueUsdPerHour(s, t0 + i * D + 12 * H) / (i >= 2 ? 3 : 1));
    expect(new Set(days.map((d) => d.toFixed(9))).size).toBeGreaterThan(20);
    for (const d of days) expect(d / days[0]!).toBeGreaterThan(0.4);
    expect(g.trueUsdPerHour(s, t0 + D + 30 * 60_000)).toBe(0);
    expect(g.inOutage(t0 + D + 30 * 60_000)).toBe(true);
    expect(g.inOutage(t0 + D + 2 * H)).toBe(false);
    expect(mk.trueUsdPerHour({ golem: s }, t0 + 3 * D)).toBeCloseTo(g.trueUsdPerHour(s, t0 + 3 * D), 12);
    expect(mk.trueUsdPerHour({}, t0)).toBe(g.trueUsdPerHour(zeroShares(), t0));
  });
});
