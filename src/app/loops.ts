import type { Config } from '../config/schema.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { AlertService } from '../engine/monitor/alerts.js';
import { createFleetRetentionJob } from '../engine/monitor/fleet-retention.js';
import { createRetentionJob } from '../engine/monitor/retention.js';
import type { ReallocationEngine } from '../engine/reallocation/engine.js';
import { createScheduler, type Scheduler } from '../engine/scheduler.js';
import type { LoopStatus } from '../domain/loop-status.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';

export interface LoopsDeps {
  clock: Clock;
  log: Logger;
  config: () => Config;
  store: Pick<Store, 'metrics' | 'nodeHealth'> & Partial<Pick<Store, 'fleetRollups' | 'hostEnergy'>>;
  coordinator: Coordinator;
  engine: ReallocationEngine;
  alerts: AlertService;
}

export interface Loops {
  readonly running: boolean;
  start(): void;
  /** Stops every loop and waits for the ticks in flight. */
  stop(): Promise<void>;
  /** Each scheduled loop: running, ticks, when it last ticked and why that tick failed. */
  status(): LoopStatus[];
}

/**
 * The daemon's loops: the coordinator's own poll loop (a schedule per protocol; what follows a snapshot reacts to
 * the `metrics` event), analyze (opportunity alerts from a fresh plan), decide (a reallocation, then the measured
 * effect of earlier ones), retention.
 */
export function createLoops(deps: LoopsDeps): Loops {
  const { coordinator, engine } = deps;
  const retention = createRetentionJob({ metrics: deps.store.metrics, health: deps.store.nodeHealth, clock: deps.clock, log: deps.log, getConfig: deps.config });
  // Remote hosts' rows (the fleet) under the same retention, on the same schedule.
  const fleetStore = deps.store.fleetRollups;
  const fleetRetention = fleetStore ? createFleetRetentionJob({ rollups: fleetStore, energy: deps.store.hostEnergy, clock: deps.clock, log: deps.log, getConfig: deps.config }) : null;
  const scheduler: Scheduler = createScheduler({
    clock: deps.clock,
    log: deps.log,
    getConfig: deps.config,
    tasks: {
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
        await fleetRetention?.run();
      },
    },
  });
  return {
    get running() {
      return scheduler.running;
    },
    start() {
      coordinator.start();
      scheduler.start();
    },
    async stop() {
      await scheduler.stop();
      await coordinator.stop();
    },
    status() {
      return Object.values(scheduler.loops).map((l) => ({ name: l.name, running: l.running, ticks: l.ticks, lastTickAt: l.lastTickAt, lastError: l.lastError }));
    },
  };
}
