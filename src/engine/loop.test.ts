import { describe, expect, it } from 'vitest';
import { buildConfig } from '../config/load.js';
import { VirtualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createLoop } from './loop.js';
import { createScheduler } from './scheduler.js';

const log = silentLogger();

describe('createLoop', () => {
  it('ticks at its interval on the injected clock and stops cleanly', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const start = clock.now();
    const loop = createLoop({ name: 't', clock, log, intervalMs: () => 1000, tick: () => void times.push(clock.now() - start) });
    loop.start();
    await clock.advance(3500);
    await loop.stop();
    expect(times).toEqual([0, 1000, 2000, 3000]);
    expect(loop.running).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('never overlaps ticks and reschedules only after a slow tick ends', async () => {
    const clock = new VirtualClock();
    let active = 0;
    let maxActive = 0;
    const starts: number[] = [];
    const start = clock.now();
    const loop = createLoop({
      name: 'slow',
      clock,
      log,
      intervalMs: () => 1000,
      tick: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        starts.push(clock.now() - start);
        await clock.sleep(2500);
        active--;
      },
    });
    loop.start();
    const manual = loop.tick();
    await clock.advance(10_000);
    await manual;
    await loop.stop();
    expect(maxActive).toBe(1);
    // tick takes 2.5 s then sleeps 1 s: starts every 3.5 s
    expect(starts).toEqual([0, 3500, 7000]);
  });

  it('catches errors and keeps going, saying when it last ticked and why that tick failed', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    let n = 0;
    const loop = createLoop({
      name: 'err',
      clock,
      log,
      intervalMs: () => 100,
      tick: () => {
        n++;
        if (n <= 3) throw new Error(`boom ${n}`);
      },
    });
    expect([loop.lastTickAt, loop.lastError]).toEqual([null, null]);
    loop.start();
    await clock.advance(250);
    expect(n).toBe(3);
    expect([loop.lastTickAt, loop.lastError]).toEqual([start + 200, 'boom 3']);
    // A tick that succeeds clears the reason.
    await clock.advance(100);
    await loop.stop();
    expect([loop.ticks, loop.lastTickAt, loop.lastError]).toEqual([4, start + 300, null]);
  });

  it('stops when its abort signal fires', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    let n = 0;
    const loop = createLoop({ name: 'sig', clock, log, intervalMs: () => 100, tick: () => void n++, signal: ac.signal });
    loop.start();
    await clock.advance(150);
    ac.abort();
    await clock.advance(1000);
    expect(loop.running).toBe(false);
    expect(n).toBe(2);
  });
});

describe('createScheduler', () => {
  it('drives every loop at its configured interval from one clock (a month in moments)', async () => {
    const clock = new VirtualClock();
    const config = buildConfig({ intervals: { poll: 600, analyze: 1800, decide: 3600, push: 900, retention: 86_400 } }, {});
    const counts = { poll: 0, analyze: 0, decide: 0, push: 0, retention: 0 };
    const scheduler = createScheduler({
      clock,
      log,
      getConfig: () => config,
      tasks: {
        poll: () => void counts.poll++,
        analyze: () => void counts.analyze++,
        decide: () => void counts.decide++,
        push: () => void counts.push++,
        retention: () => void counts.retention++,
      },
    });
    scheduler.start();
    const day = 86_400_000;
    for (let d = 0; d < 30; d++) await clock.advance(day);
    await scheduler.stop();
    expect(counts.poll).toBe(30 * 144 + 1);
    expect(counts.analyze).toBe(30 * 48 + 1);
    expect(counts.push).toBe(30 * 96 + 1);
    expect(counts.decide).toBe(30 * 24 + 1);
    expect(counts.retention).toBe(30);
    expect(scheduler.running).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('createScheduler interval overrides', () => {
  it('lets a loop follow its own pace (the poll loop follows the shortest protocol pollInterval)', async () => {
    const clock = new VirtualClock();
    const config = buildConfig({ intervals: { poll: 60, analyze: 3600 } }, {});
    let pace = 10_000;
    let polls = 0;
    const scheduler = createScheduler({
      clock,
      log,
      getConfig: () => config,
      intervals: { poll: () => pace },
      tasks: { poll: () => void polls++ },
    });
    scheduler.start();
    await clock.advance(60_000);
    expect(polls).toBe(7); // immediately, then every 10 s instead of every 60 s
    pace = 30_000;
    await clock.advance(60_000);
    expect(polls).toBe(9);
    await scheduler.stop();
  });
});
