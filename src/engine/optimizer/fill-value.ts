import { RESOURCE_TIME_CONSTANT_MS } from '../../domain/resources.js';
import { type ConcaveCurve, normalizeKnots } from './piecewise.js';
import type { ProtocolResponse } from './response-model.js';
import type { ProtocolInput } from './types.js';

/**
 * Days over which the extra data a bandwidth share brings in is valued: the storage time constant. An hour held at a
 * share that fills r percent of the disk per day faster stores r/24 percent more, which then earns over the horizon;
 * counted at half (the share is revisited within it, and the data may stop growing): r x (USD/h per percent stored) x
 * horizon days / 2, as a rate while it is held.
 */
const FILL_HORIZON_DAYS = RESOURCE_TIME_CONSTANT_MS.storage / 86_400_000;

/**
 * A storage node whose fill measurably answers its bandwidth (fillByBandwidth) earns from bandwidth beyond what its
 * reports show yet: the data the extra fill brings in, paid at the node's current earnings per percent stored, over
 * the fill horizon or until its allocation is full, whichever is sooner. That value joins its bandwidth curve (a sum of concave curves stays concave), over the levels
 * where the link was measured.
 */
export function withFillValue(model: ProtocolResponse, p: ProtocolInput, allocated: number): ProtocolResponse {
  const fill = p.fillByBandwidth;
  const stored = p.storedShare ?? 0;
  if (!fill || !(stored > 0) || !(p.currentUsdPerHour > 0)) return model;
  const usdPerStoredPoint = p.currentUsdPerHour / stored;
  // Faster filling is worth something only while there is room to fill: a node that will reach its allocation within
  // the horizon anyway only gets there sooner.
  const roomDays = Math.max(0, allocated - stored) / Math.max(p.fillSharePerDay ?? 0, 1e-6);
  const scale = (usdPerStoredPoint * Math.min(FILL_HORIZON_DAYS, roomDays)) / 2;
  if (!(scale > 0)) return model;
  const value = { knots: fill.knots, slopes: fill.slopes.map((s) => s * scale) };
  const bw = model.curves.bandwidth;
  const knots = normalizeKnots([...bw.knots, ...value.knots]);
  const slopeAt = (c: ConcaveCurve, x: number) => c.slopes[Math.max(0, c.knots.findIndex((k, i) => i < c.slopes.length && x >= k && x < c.knots[i + 1]))] ?? 0;
  const slopes = knots.slice(0, -1).map((k, i) => {
    const mid = (k + knots[i + 1]) / 2;
    return slopeAt(bw, mid) + slopeAt(value, mid);
  });
  const seen = model.observedRange.bandwidth;
  const lo = Math.min(seen?.[0] ?? Infinity, fill.measured[0]);
  const hi = Math.max(seen?.[1] ?? -Infinity, fill.measured[1]);
  return {
    ...model,
    curves: { ...model.curves, bandwidth: { knots, slopes } },
    observedRange: { ...model.observedRange, bandwidth: hi > lo ? [lo, hi] : seen },
  };
}
