import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

export interface LoopOptions {
  name: string;
  /** Read before every sleep, so a config reload changes the pace without a restart. */
  intervalMs: () => number;
  clock: Clock;
  log: Logger;
  tick: (signal: AbortSignal) => Promise<void> | void;
  /** Run the first tick at once (default) or after one interval. */
  immediate?: boolean;
  /** Stops the loop when aborted (e.g. the process's shutdown signal). */
  signal?: AbortSignal;
}

export interface Loop {
  readonly name: string;
  readonly running: boolean;
  /** Number of ticks completed (successful or not). */
  readonly ticks: number;
  /** When the last tick ended (the loop's clock), null before the first. */
  readonly lastTickAt: number | null;
  /** Why the last tick failed, null when it succeeded (or none ran yet). */
  readonly lastError: string | null;
  start(): void;
  /** Stops rescheduling and waits for the tick in flight. */
  stop(): Promise<void>;
  /** Runs a tick now; if one is in flight, waits for that one instead of overlapping it. */
  tick(): Promise<void>;
}

/** A loop that reschedules itself after each tick (never overlapping), and catches and logs its own errors. */
export function createLoop(options: LoopOptions): Loop {
  const { name, clock, tick } = options;
  const log = options.log.child({ loop: name });
  let controller: AbortController | null = null;
  let runner: Promise<void> | null = null;
  let inFlight: Promise<void> | null = null;
  let ticks = 0;
  let lastTickAt: number | null = null;
  let lastError: string | null = null;

  const runTick = (): Promise<void> => {
    if (inFlight) return inFlight;
    const signal = controller?.signal ?? new AbortController().signal;
    let current: Promise<void> | null = null;
    current = (async () => {
      // Yield first, so a tick that throws synchronously still finishes after `inFlight` is set.
      await Promise.resolve();
      try {
        await tick(signal);
        lastError = null;
      } catch (err) {
        lastError = errorMessage(err);
        log.error({ err: lastError }, 'loop tick failed');
      } finally {
        ticks++;
        lastTickAt = clock.now();
        if (inFlight === current) inFlight = null;
      }
    })();
    inFlight = current;
    return inFlight;
  };

  const interval = (): number => {
    const ms = options.intervalMs();
    // A broken interval must not turn the loop into a busy spin.
    return Number.isFinite(ms) && ms > 0 ? ms : 1000;
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    if (options.immediate === false) {
      if (!(await sleep(interval(), signal))) return;
    }
    while (!signal.aborted) {
      await runTick();
      if (signal.aborted) break;
      if (!(await sleep(interval(), signal))) break;
    }
  };

  const sleep = async (ms: number, signal: AbortSignal): Promise<boolean> => {
    // A fresh signal per sleep: clocks may leave their listener on it, and it must not pile up on the loop's signal.
    const local = new AbortController();
    const relay = () => local.abort();
    signal.addEventListener('abort', relay, { once: true });
    try {
      await clock.sleep(ms, local.signal);
      return !signal.aborted;
    } catch {
      return false;
    } finally {
      signal.removeEventListener('abort', relay);
    }
  };

  const onExternalAbort = () => void loop.stop();

  const loop: Loop = {
    name,
    get running() {
      return controller !== null;
    },
    get ticks() {
      return ticks;
    },
    get lastTickAt() {
      return lastTickAt;
    },
    get lastError() {
      return lastError;
    },
    start() {
      if (controller) return;
      if (options.signal?.aborted) return;
      controller = new AbortController();
      options.signal?.addEventListener('abort', onExternalAbort, { once: true });
      runner = run(controller.signal);
      log.debug('loop started');
    },
    async stop() {
      const c = controller;
      if (!c) {
        await inFlight;
        return;
      }
      controller = null;
      options.signal?.removeEventListener('abort', onExternalAbort);
      c.abort();
      await runner;
      await inFlight;
      runner = null;
      log.debug('loop stopped');
    },
    tick: runTick,
  };
  return loop;
}
