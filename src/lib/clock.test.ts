import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';

describe('VirtualClock', () => {
  it('wakes sleepers in time order and only when advanced past their time', async () => {
    const clock = new VirtualClock(0);
    const woke: string[] = [];
    void clock.sleep(200).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(150);
    expect(woke).toEqual(['a@100']);
    await clock.advance(100);
    expect(woke).toEqual(['a@100', 'b@200']);
    expect(clock.now()).toBe(250);
  });

  it('runs a self-rescheduling loop for a simulated month without piling up abort listeners', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    let ticks = 0;
    const loop = (async () => {
      try {
        for (;;) {
          await clock.sleep(60_000, controller.signal);
          ticks++;
        }
      } catch {
        // aborted
      }
    })();
    await clock.advance(30 * 24 * 3_600_000);
    controller.abort();
    await loop;
    expect(ticks).toBe(30 * 24 * 60);
    expect(clock.pending).toBe(0);
  });

  it('rejects a sleeper when its signal aborts', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toThrow('aborted');
    expect(clock.pending).toBe(0);
  });
});
