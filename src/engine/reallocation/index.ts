export { cloneAllocation, initialAllocationFromConfig, overAllocated, planSteps, SHARE_EPSILON } from './allocation-math.js';
export { createReallocationEngine, type ReallocationEngine, type ReallocationEngineDeps } from './engine.js';
export { checkGates, SKIP_CODES, type SkipCode } from './gates.js';
export { buildOptimizerInput, type InputContext } from './optimizer-input.js';
export type { BuildInput, DecideRequest, Decision, EngineState, PlanningStrategy, ReallocationEvent } from './types.js';
