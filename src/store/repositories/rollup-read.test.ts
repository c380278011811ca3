import { describe, expect, it } from 'vitest';
import { rollupReads } from './rollup-read.js';

const H = 3_600_000;
const D = 24 * H;
const span = { from: 5 * H, to: 2 * D + 3 * H };

describe('rollupReads', () => {
  it('reads whole days from daily rollups when the step is whole days', () => {
    expect(rollupReads(span, 2 * D)).toEqual([
      { grain: 'hour', span: { from: 5 * H, to: D } },
      { grain: 'hour', span: { from: 2 * D, to: 2 * D + 3 * H } },
      { grain: 'day', span: { from: D, to: 2 * D } },
    ]);
  });

  it('reads hourly rollups only when a bucket could cut a day', () => {
    expect(rollupReads(span, 6 * H)).toEqual([{ grain: 'hour', span }]);
    expect(rollupReads(span, undefined)).toEqual([{ grain: 'hour', span }]);
  });

  it('reads whole days from daily rollups for totals, which have no buckets', () => {
    expect(rollupReads(span, undefined, true).map((r) => r.grain)).toEqual(['hour', 'hour', 'day']);
  });
});
