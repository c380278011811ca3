import { describe, expect, it } from 'vitest';
import { createEarningsTracker } from './earnings-tracker.js';
import { createStaticPriceSource } from './prices.js';

const prices = createStaticPriceSource({ USD: 1, MYST: 0.5 });
const H = 3_600_000;

describe('earnings tracker', () => {
  it('turns counter increases into earnings and a smoothed hourly rate', () => {
    const t = createEarningsTracker({ prices, windowMs: 2 * H });
    expect(t.update(0, 10, 'MYST')).toMatchObject({ earnedTokens: 0, earnedUsd: 0, payoutEvent: false });
    const a = t.update(H, 12, 'MYST');
    expect(a.earnedTokens).toBeCloseTo(2);
    expect(a.earnedUsd).toBeCloseTo(1);
    expect(a.usdPerHour).toBeCloseTo(1);
    const b = t.update(2 * H, 16, 'MYST');
    expect(b.earnedUsd).toBeCloseTo(2);
    expect(b.usdPerHour).toBeCloseTo(1.5);
  });

  it('records a 90 % balance drop as a payout event, never as negative earnings, and resumes from the new baseline', () => {
    const t = createEarningsTracker({ prices });
    t.update(0, 100, 'USD');
    const before = t.update(60_000, 101, 'USD');
    expect(before.earnedUsd).toBeCloseTo(1);
    const drop = t.update(120_000, 10.1, 'USD');
    expect(drop).toMatchObject({ earnedTokens: 0, earnedUsd: 0, payoutEvent: true });
    expect(drop.droppedTokens).toBeCloseTo(90.9);
    const after = t.update(180_000, 10.6, 'USD');
    expect(after.payoutEvent).toBe(false);
    expect(after.earnedUsd).toBeCloseTo(0.5);
    expect(after.usdPerHour).toBeGreaterThan(0);
  });

  it('keeps the baseline when the node reports no counter, and earns nothing for that sample', () => {
    const t = createEarningsTracker({ prices });
    t.update(0, 5, 'USD');
    expect(t.update(60_000, null, 'USD')).toMatchObject({ earnedTokens: 0, payoutEvent: false });
    expect(t.update(120_000, 6, 'USD').earnedTokens).toBeCloseTo(1);
  });

  it('never reports negative earnings for any sequence of counters', () => {
    const t = createEarningsTracker({ prices });
    let time = 0;
    for (const v of [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 0, 0, 8]) {
      time += 1000;
      const r = t.update(time, v, 'USD');
      expect(r.earnedTokens).toBeGreaterThanOrEqual(0);
      expect(r.usdPerHour).toBeGreaterThanOrEqual(0);
    }
  });
});
