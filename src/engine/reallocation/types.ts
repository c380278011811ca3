import type { Plan } from '../../domain/plan.js';
import type { Reallocation, ReallocationStatus } from '../../domain/reallocation.js';
import type { Allocation } from '../../domain/resources.js';
import type { HostResources, Snapshot } from '../../domain/sample.js';
import type { OptimizerInput } from '../optimizer/types.js';
import type { SkipCode } from './gates.js';
import type { InputContext } from './optimizer-input.js';

/** What the engine needs to know about the world at decision time (from the coordinator). */
export interface EngineState {
  snapshot: Snapshot | null;
  /** protocol -> healthy (connected, breaker closed). Touched protocols must be healthy. */
  health: Record<string, boolean>;
  /** Host totals for turning shares into limits; default: the snapshot's host. */
  host?: HostResources | null;
  /** Only read once, to seed the engine's own current allocation when given; the engine owns it afterwards. */
  current?: Allocation;
}

/** The optimizer strategy as the engine uses it (src/engine/optimizer's Strategy satisfies it). */
export interface PlanningStrategy {
  readonly name: string;
  plan(input: OptimizerInput): Promise<Plan>;
}

export type ReallocationEvent =
  | { type: 'plan'; plan: Plan }
  /** A decision was recorded or a recorded one changed status (applying -> applied / rolled_back / failed). */
  | { type: 'reallocation'; reallocation: Reallocation }
  /** The do-no-harm guard stopped auto mode (it returned to the last stable allocation); `reason` says why. */
  | { type: 'guard'; state: 'tripped'; reason: string; at: number };

export interface DecideRequest {
  trigger: 'loop' | 'manual';
  dryRun?: boolean;
}

export interface Decision {
  status: ReallocationStatus;
  /** Why it was skipped, failed or rolled back (prefixed with the skip code). */
  reason: string | null;
  code: SkipCode | 'planning_failed' | null;
  reallocation: Reallocation;
  plan: Plan | null;
  /** False when a loop decision repeated the previous one and was not written again. */
  recorded: boolean;
}

export type BuildInput = (ctx: InputContext) => Promise<OptimizerInput> | OptimizerInput;
