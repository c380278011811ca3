import type { Config } from '../config/schema.js';
import type { Plan } from '../domain/plan.js';
import { buildOptimizerInput } from '../engine/reallocation/optimizer-input.js';
import type { ReallocationEngine } from '../engine/reallocation/engine.js';
import type { BuildInput, EngineState, PlanningStrategy } from '../engine/reallocation/types.js';
import type { Executor } from '../executors/types.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import type { EngineService } from './types.js';

export interface EngineServiceDeps {
  engine: ReallocationEngine;
  strategy: PlanningStrategy;
  executors: Map<string, Executor>;
  store: Pick<Store, 'metrics' | 'reallocations'>;
  /** What the engine sees (snapshot, adapter health). */
  engineState: () => EngineState;
  config: () => Config;
  clock: Clock;
  log: Logger;
  /** How the engine builds the optimizer's input (energy accounting nets it of power cost); the same here. */
  buildInput?: BuildInput;
}

/** Plans, allocation, decisions and what-if plans: what the API, the CLI and the decide loop ask of the engine. */
export function createEngineService(deps: EngineServiceDeps): EngineService {
  const { engine } = deps;

  async function plan(): Promise<Plan | null> {
    const last = engine.lastPlan();
    if (last) return last;
    try {
      return await engine.analyze();
    } catch (err) {
      deps.log.debug({ err: errorMessage(err) }, 'no plan yet');
      return null;
    }
  }

  return {
    plan,
    async opportunities() {
      return (await plan())?.opportunities ?? [];
    },
    async allocation() {
      const p = await plan();
      return { current: engine.current(), optimal: p?.target ?? null, plan: p };
    },
    reallocationHistory: (q) => deps.store.reallocations.list(q),
    async decide(request) {
      const decision = await engine.decide({ trigger: request.trigger, dryRun: request.dryRun });
      return decision.reallocation;
    },
    async planWithPolicies(policies) {
      const state = deps.engineState();
      const input = await (deps.buildInput ?? buildOptimizerInput)({
        config: { ...deps.config(), policies },
        now: deps.clock.now(),
        current: engine.current(),
        snapshot: state.snapshot,
        health: state.health,
        executors: deps.executors,
        metrics: deps.store.metrics,
      });
      return deps.strategy.plan(input);
    },
  };
}
