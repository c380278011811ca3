import { expect, it } from 'vitest';
import { fairShare } from './replica-heartbeat.js';

it('gives every live replica an equal part of the hosts, the remainder one each by id, adding up to every host', () => {
  const live = ['r-a', 'r-b', 'r-c'];
  for (const hosts of [0, 1, 2, 3, 4, 5, 7, 100]) {
    const shares = live.map((r) => fairShare(hosts, live, r));
    expect(shares.reduce((a, b) => a + b, 0), `${hosts} hosts`).toBe(hosts);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    expect(Math.max(...shares)).toBe(Math.ceil(hosts / live.length));
  }
  expect(live.map((r) => fairShare(4, live, r))).toEqual([2, 1, 1]);
  // Alone (or not yet listed), a replica takes everything.
  expect(fairShare(5, ['r-a'], 'r-a')).toBe(5);
});
