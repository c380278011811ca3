import type { Config } from '../config/schema.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { AlertService } from '../engine/monitor/alerts.js';
import { createRetentionJob } from '../engine/monitor/retention.js';
import type { ReallocationEngine } from '../engine/reallocation/engine.js';
import { createScheduler, type Scheduler } from '../engine/scheduler.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';

export interface LoopsDeps {
  clock: Clock;
  log: Logger;
  config: () => Config;
  store: Pick<Store, 'metrics'>;
  coordinator: Coordinator;
  engine: ReallocationEngine;
  alerts: AlertService;
}

/**
 * The daemon's loops: poll (the coordinator polls the protocols that are due; what follows a snapshot reacts to the
 * `metrics` event), analyze (opportunity alerts from a fresh plan), decide (a reallocation, then the measured
 * effect of earlier ones), retention.
 */
export function createLoops(deps: LoopsDeps): Scheduler {
  const { coordinator, engine } = deps;
  const retention = createRetentionJob({ metrics: deps.store.metrics, clock: deps.clock, log: deps.log, getConfig: deps.config });
  return createScheduler({
    clock: deps.clock,
    log: deps.log,
    getConfig: deps.config,
    // A protocol's own pollInterval may be shorter than intervals.poll; the coordinator polls only those due.
    intervals: { poll: () => coordinator.intervalMs() },
    tasks: {
      poll: async (signal) => {
        await coordinator.pollOnce({ signal });
      },
      analyze: async () => {
        if (!coordinator.latest()) return;
        await deps.alerts.evaluatePlan(await engine.analyze());
      },
      decide: async () => {
        if (!coordinator.latest()) return;
        await engine.decide({ trigger: 'loop' });
        await engine.measureEffects();
      },
      retention: async () => {
        await retention.run();
      },
    },
  });
}
