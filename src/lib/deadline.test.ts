import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDeadline, withDeadline } from './deadline.js';

const HELPER = fileURLToPath(new URL('./deadline.ts', import.meta.url));

describe('createDeadline', () => {
  it('aborts with a TimeoutError when the time is up, and never once cleared', async () => {
    const fired = createDeadline(20);
    const cleared = createDeadline(20);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(fired.signal.aborted).toBe(true);
    expect((fired.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(cleared.signal.aborted).toBe(false);
  });

  it('follows its parent, with the parent reason, and forgets it once cleared', () => {
    const parent = new AbortController();
    const deadline = createDeadline(60_000, { parent: parent.signal });
    parent.abort(new Error('stopping'));
    expect((deadline.signal.reason as Error).message).toBe('stopping');
    deadline.clear();
    const again = new AbortController();
    const other = createDeadline(60_000, { parent: again.signal });
    other.clear();
    again.abort();
    expect(other.signal.aborted).toBe(false);
  });

  it('withDeadline hands the signal to the call and ends a call that ignores nothing but the signal', async () => {
    const hang = (signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    await expect(withDeadline(20, hang, { reason: () => new Error('too slow') })).rejects.toThrow('too slow');
    await expect(withDeadline(1_000, async () => 'answered')).resolves.toBe('answered');
  });

  it('fires under forced garbage collections, where nothing but the timer holds the signal (nodejs/node#57736)', () => {
    // A separate process with --expose-gc: the deadline's signal is reachable only from its own listener, as it is
    // inside fetch, and collections run every 20 ms until it fires.
    const script = `
      import { createDeadline } from ${JSON.stringify(HELPER)};
      const gc = globalThis.gc;
      createDeadline(300).signal.addEventListener('abort', () => { console.log('fired'); process.exit(0); });
      setInterval(() => gc(), 20);
      setTimeout(() => { console.log('never fired'); process.exit(1); }, 3000);
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout.trim(), run.stderr).toBe('fired');
  });
});
