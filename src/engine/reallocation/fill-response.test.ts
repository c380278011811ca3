import { describe, expect, it } from 'vitest';
import type { ResourceShares } from '../../domain/resources.js';
import { withFillValue } from '../optimizer/fill-value.js';
import { evaluateCurve, linearCurve } from '../optimizer/piecewise.js';
import type { ProtocolInput } from '../optimizer/types.js';
import { type FillPoint, fillByBandwidth } from './fill-response.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const shares = (bandwidth: number, storage = 40): ResourceShares => ({ cpu: 5, memory: 5, bandwidth, storage });

/** A storage node filling at `perDay(bandwidth)` percent of the disk per day, hourly points, bandwidth per day given. */
function history(bandwidthByDay: number[], perDay: (bw: number) => number, storage = 40, start = 10): FillPoint[] {
  const out: FillPoint[] = [];
  let stored = start;
  for (let h = 0; h < bandwidthByDay.length * 24; h++) {
    const bw = bandwidthByDay[Math.floor(h / 24)];
    out.push({ time: T0 + h * HOUR, shares: shares(bw, storage), storedShare: stored });
    stored = Math.min(storage, stored + perDay(bw) / 24);
  }
  return out;
}

describe('fill rate by bandwidth', () => {
  it('measures how much faster a storage node fills at a larger bandwidth share', () => {
    const curve = fillByBandwidth(history([18, 18, 1, 1, 18, 18], (bw) => (bw >= 10 ? 0.6 : 0.24)));
    // One way only (a cut that slowed the fill) could be the fill slowing on its own.
    expect(fillByBandwidth(history([18, 18, 18, 1, 1, 1], (bw) => (bw >= 10 ? 0.6 : 0.24)))).toBeNull();
    expect(curve).not.toBeNull();
    expect(curve!.measured).toEqual([1, 18]);
    expect(evaluateCurve(curve!, 18)).toBeCloseTo(0.36, 2);
    expect(evaluateCurve(curve!, 50)).toBeCloseTo(0.36, 2);
  });

  it('finds no link where the fill does not answer bandwidth', () => {
    expect(fillByBandwidth(history([18, 18, 18, 1, 1, 1], () => 0.5))).toBeNull();
  });

  it('needs two bandwidth levels each held long enough to read', () => {
    expect(fillByBandwidth(history([18, 18, 18, 18], (bw) => bw / 30))).toBeNull();
    // A few hours at another level say nothing about the fill there.
    const brief = history([18, 18, 18], (bw) => bw / 30);
    for (let i = 30; i < 34; i++) brief[i].shares = shares(1);
    expect(fillByBandwidth(brief)).toBeNull();
  });

  it('does not read a fill that slows on its own as the disk fills for a bandwidth link', () => {
    // The fill slows with the room left, whatever the bandwidth: early days (high bandwidth) fill faster than late ones.
    const pts: FillPoint[] = [];
    let stored = 5;
    for (let h = 0; h < 8 * 24; h++) {
      const bw = [18, 18, 5, 5, 18, 1, 1, 1][Math.floor(h / 24)];
      pts.push({ time: T0 + h * HOUR, shares: shares(bw, 40), storedShare: stored });
      stored += ((40 - stored) * 0.15) / 24;
    }
    expect(fillByBandwidth(pts)).toBeNull();
  });

  it('does not read a full disk (fill capped by room) as bandwidth doing nothing', () => {
    // At 1 % the disk is already full: those spans are left out, so only one level is readable.
    const pts = history([18, 18, 18, 1, 1, 1], () => 0.5, 40, 39.9);
    expect(fillByBandwidth(pts)).toBeNull();
  });

  it('adds the value of the extra data to the storage node bandwidth curve, keeping it concave', () => {
    const mm = { min: 0, max: 100 };
    const fill = { knots: [0, 5, 100], slopes: [0.06, 0], measured: [1, 18] as [number, number] };
    const p: ProtocolInput = {
      name: 'storj',
      connected: true,
      pinned: false,
      limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm },
      currentUsdPerHour: 0.1,
      restartsOnChange: false,
      observations: [],
      storedShare: 20,
      fillSharePerDay: 0.5,
      fillByBandwidth: fill,
    };
    const model = {
      protocol: 'storj',
      fitted: true,
      settledObservations: 20,
      residualStd: 0,
      effectiveCount: 20,
      baseUsdPerHour: 0,
      curves: { cpu: linearCurve(0), memory: linearCurve(0), bandwidth: linearCurve(0.001), storage: linearCurve(0) },
      observedRange: { cpu: null, memory: null, bandwidth: null, storage: null },
    };
    const out = withFillValue(model, p, 40);
    // 0.06 %/day per point x 0.005 USD/h per percent stored x 14 days / 2, plus the egress slope.
    expect(out.curves.bandwidth.slopes[0]).toBeCloseTo(0.001 + (0.06 * 0.005 * 14) / 2, 9);
    expect(out.curves.bandwidth.slopes.at(-1)).toBeCloseTo(0.001, 9);
    for (let i = 1; i < out.curves.bandwidth.slopes.length; i++) expect(out.curves.bandwidth.slopes[i]).toBeLessThanOrEqual(out.curves.bandwidth.slopes[i - 1]);
    expect(out.observedRange.bandwidth).toEqual([1, 18]);
    expect(withFillValue(model, { ...p, fillByBandwidth: undefined }, 40)).toBe(model);
    // Full within a day at its fill rate: the faster fill is worth a day's head start, not a fortnight's.
    expect(withFillValue(model, p, 20.5).curves.bandwidth.slopes[0]).toBeCloseTo(0.001 + (0.06 * 0.005 * 1) / 2, 9);
  });
});
