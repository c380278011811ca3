import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import { attributeLag, cadenceWindows, processSeries, type RawPoint, seasonalFactors } from './observation-series.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 5);
const a: ResourceShares = { cpu: 20, memory: 20, bandwidth: 20, storage: 20 };
const b: ResourceShares = { cpu: 30, memory: 20, bandwidth: 20, storage: 20 };

describe('observation series', () => {
  it('attributes a lagged report to the allocation in force when it was earned', () => {
    // Allocation changes at hour 10; the node reports 6 h late.
    const pts: RawPoint[] = Array.from({ length: 24 }, (_, h) => ({ time: T0 + h * HOUR, shares: h < 10 ? a : b, usdPerHour: 1 }));
    const lagged = attributeLag(pts, 6 * HOUR);
    expect(lagged[0].time).toBe(T0 + 6 * HOUR);
    expect(lagged.find((p) => p.time === T0 + 12 * HOUR)?.shares).toEqual(a);
    expect(lagged.find((p) => p.time === T0 + 16 * HOUR)?.shares).toEqual(b);
  });

  it('leaves out what a node back from an outage reports for its lag: the downtime, not what its allocation earns', () => {
    // 15-minute readings; the node is down (no readings) from hour 10 to hour 20 and reports 6 h late, so for 6 h
    // after it comes back it reports nothing earned, while its allocation never changed.
    const pts: RawPoint[] = [];
    for (let i = 0; i < 4 * 40; i++) {
      const t = T0 + i * 15 * MIN;
      if (t >= T0 + 10 * HOUR && t < T0 + 20 * HOUR) continue;
      const back = t >= T0 + 20 * HOUR && t < T0 + 26 * HOUR;
      pts.push({ time: t, shares: a, usdPerHour: back ? 0 : 1 });
    }
    const profile = resolveProfile('mysterium', { lagMinutes: 6 * 60, cadenceMinutes: 15 }, null);
    const series = processSeries(pts, profile, T0 + 40 * HOUR, 15 * MIN);
    expect(series.observations.length).toBeGreaterThan(40);
    expect(Math.min(...series.observations.map((o) => o.usdPerHour))).toBeGreaterThan(0.5);
    // Without a gap the lagged zeros would have been kept: the readings themselves are all there.
    expect(attributeLag(pts, 6 * HOUR).some((p) => p.usdPerHour === 0)).toBe(true);
  });

  it('averages lumpy reports over whole cadence windows and leaves out the window in progress', () => {
    // One lump of 24 USD/h-equivalent per 6-hour window in 15-minute samples: every window averages to the same rate.
    const pts: RawPoint[] = Array.from({ length: 4 * 20 }, (_, i) => ({ time: T0 + i * 15 * MIN, shares: a, usdPerHour: i % 24 === 5 ? 24 : 0 }));
    const w = cadenceWindows(pts, 6 * HOUR, T0 + 20 * HOUR, 15 * MIN);
    expect(w).toHaveLength(3);
    for (const x of w) expect(x.usdPerHour).toBeCloseTo(1, 9);
  });

  it('separates a daily demand cycle from an allocation effect', () => {
    // Demand doubles in the afternoon; the allocation never changes: the seasonal factors explain the swing.
    const pts: RawPoint[] = Array.from({ length: 4 * 72 }, (_, i) => ({ time: T0 + i * 15 * MIN, shares: a, usdPerHour: Math.floor(i / 4) % 24 >= 12 ? 2 : 1 }));
    const f = seasonalFactors(pts);
    expect(f.hour[15] / f.hour[3]).toBeGreaterThan(1.7);
    const series = processSeries(pts, resolveProfile('mysterium', { lagMinutes: 0 }, null), T0 + 72 * HOUR, 15 * MIN);
    const rates = series.observations.map((o) => o.usdPerHour);
    expect(Math.max(...rates) / Math.min(...rates)).toBeLessThan(1.25);
  });

  it('leaves out what a node earned while below its least useful share', () => {
    const low: ResourceShares = { cpu: 5, memory: 3, bandwidth: 10, storage: 0 };
    const ok: ResourceShares = { cpu: 20, memory: 10, bandwidth: 10, storage: 0 };
    const pts: RawPoint[] = Array.from({ length: 20 }, (_, h) => ({ time: T0 + h * HOUR, shares: h < 10 ? low : ok, usdPerHour: h < 10 ? 0 : 0.1 }));
    const profile = resolveProfile('golem', { lagMinutes: 0 }, { cpuCount: 8, memoryTotalBytes: 32 * 2 ** 30 });
    const series = processSeries(pts, profile, T0 + 20 * HOUR, HOUR);
    expect(series.observations.every((o) => o.shares.cpu === 20)).toBe(true);
    expect(series.recentUsdPerHour).toBeCloseTo(0.1, 9);
  });
});
