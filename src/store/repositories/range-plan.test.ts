import { describe, expect, it } from 'vitest';
import { isWholeDays, isWholeHours, planRange, planRollupsFirst, splitDays } from './range-plan.js';

const H = 3_600_000;
const D = 24 * H;

describe('planRange', () => {
  it('reads everything raw when nothing was rolled up', () => {
    expect(planRange({ from: 0, to: 10 * H }, { rawStart: 0, rollupEnd: null }, true)).toEqual({ rollup: null, raw: [{ from: 0, to: 10 * H + 1 }] });
  });

  it('prefers rollups for whole hours and keeps partial edge hours raw', () => {
    const plan = planRange({ from: 30 * 60_000, to: 5 * H + 10 }, { rawStart: 0, rollupEnd: 4 * H }, true);
    expect(plan).toEqual({ rollup: { from: H, to: 4 * H }, raw: [{ from: 30 * 60_000, to: H }, { from: 4 * H, to: 5 * H + 11 }] });
  });

  it('without preference, uses rollups only where raw rows were deleted', () => {
    const plan = planRange({ from: 0, to: 6 * H }, { rawStart: 2 * H + 5, rollupEnd: 5 * H }, false);
    expect(plan).toEqual({ rollup: { from: 0, to: 3 * H }, raw: [{ from: 3 * H, to: 6 * H + 1 }] });
  });

  it('uses rollups alone when raw rows are all gone', () => {
    expect(planRange({ from: 0, to: 2 * H - 1 }, { rawStart: null, rollupEnd: 5 * H }, false)).toEqual({ rollup: { from: 0, to: 2 * H }, raw: [] });
  });

  it('knows which steps are made of whole hours', () => {
    expect([isWholeHours(H), isWholeHours(24 * H), isWholeHours(90 * 60_000), isWholeHours(60_000), isWholeHours(undefined)]).toEqual([
      true, true, false, false, false,
    ]);
  });
});

describe('splitDays', () => {
  it('reads the whole days of a rollup span from daily rows and its edge hours from hourly rows', () => {
    expect(splitDays({ from: 5 * H, to: 3 * D + 7 * H })).toEqual({ days: { from: D, to: 3 * D }, hours: [{ from: 5 * H, to: D }, { from: 3 * D, to: 3 * D + 7 * H }] });
    expect(splitDays({ from: D, to: 2 * D })).toEqual({ days: { from: D, to: 2 * D }, hours: [] });
  });

  it('keeps a span without a whole day hourly', () => {
    expect(splitDays({ from: 5 * H, to: D + 4 * H })).toEqual({ days: null, hours: [{ from: 5 * H, to: D + 4 * H }] });
  });

  it('knows which steps are made of whole days', () => {
    expect([isWholeDays(D), isWholeDays(7 * D), isWholeDays(36 * H), isWholeDays(H), isWholeDays(undefined)]).toEqual([true, true, false, false, false]);
  });
});

describe('planRollupsFirst', () => {
  it('reads closed rolled-up hours from rollups, partial edge hours with raw rows raw', () => {
    const plan = planRollupsFirst({ from: 30 * 60_000, to: 5 * H + 10 }, { rawStart: 5, rollupEnd: 4 * H });
    expect(plan).toEqual({ rollup: { from: H, to: 4 * H }, raw: [{ from: 30 * 60_000, to: H }, { from: 4 * H, to: 5 * H + 11 }] });
  });

  it('reads a partial edge hour from its rollup once its raw rows are all gone', () => {
    expect(planRollupsFirst({ from: 30 * 60_000, to: 2 * H + 10 }, { rawStart: 3 * H + 5, rollupEnd: 4 * H })).toEqual({ rollup: { from: 0, to: 3 * H }, raw: [] });
    expect(planRollupsFirst({ from: 0, to: 30_000 }, { rawStart: null, rollupEnd: H })).toEqual({ rollup: { from: 0, to: H }, raw: [] });
    // The hour holding the oldest raw row is read raw: its rows are still there.
    expect(planRollupsFirst({ from: 30 * 60_000, to: 40 * 60_000 }, { rawStart: 5, rollupEnd: 4 * H })).toEqual({ rollup: null, raw: [{ from: 30 * 60_000, to: 40 * 60_000 + 1 }] });
  });

  it('reads everything raw while nothing was rolled up', () => {
    expect(planRollupsFirst({ from: 0, to: 10 * H }, { rawStart: 0, rollupEnd: null })).toEqual({ rollup: null, raw: [{ from: 0, to: 10 * H + 1 }] });
  });
});
