import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createLoop, type Loop } from './loop.js';

export const LOOP_NAMES = ['poll', 'analyze', 'decide', 'push', 'retention'] as const;
export type LoopName = (typeof LOOP_NAMES)[number];

export type LoopTask = (signal: AbortSignal) => Promise<void> | void;

export interface SchedulerOptions {
  clock: Clock;
  log: Logger;
  /** Intervals are read from the live config before every sleep (hot reload changes the pace). */
  getConfig: () => Config;
  /** The work of each loop; loops without a task are not started. */
  tasks: Partial<Record<LoopName, LoopTask>>;
  /** A loop's own pace instead of `intervals.<name>`. In the daemon the coordinator runs the poll loop itself. */
  intervals?: Partial<Record<LoopName, () => number>>;
  signal?: AbortSignal;
}

export interface Scheduler {
  readonly loops: Partial<Record<LoopName, Loop>>;
  readonly running: boolean;
  start(): void;
  /** Stops every loop and waits for the ticks in flight. */
  stop(): Promise<void>;
}

/** Runs poll / analyze / decide / push / retention at the configured intervals, all from one clock. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const log = options.log.child({ module: 'scheduler' });
  const loops: Partial<Record<LoopName, Loop>> = {};
  for (const name of LOOP_NAMES) {
    const task = options.tasks[name];
    if (!task) continue;
    loops[name] = createLoop({
      name,
      clock: options.clock,
      log,
      tick: task,
      intervalMs: options.intervals?.[name] ?? (() => options.getConfig().intervals[name] * 1000),
      // Retention is heavy and not urgent at start-up: the first pass waits one interval.
      immediate: name !== 'retention',
      signal: options.signal,
    });
  }
  let running = false;
  return {
    loops,
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      for (const name of LOOP_NAMES) loops[name]?.start();
    },
    async stop() {
      running = false;
      await Promise.all(Object.values(loops).map((l) => l.stop()));
    },
  };
}
