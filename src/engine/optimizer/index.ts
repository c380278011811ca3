import { createEqualStrategy } from './equal.strategy.js';
import { createGreedyStrategy } from './greedy.strategy.js';
import type { LpSolver } from './highs-solver.js';
import { createLpStrategy } from './lp.strategy.js';
import { oracleStrategy, type TrueResponse } from './oracle.strategy.js';
import type { Strategy } from './types.js';
import { OrchaError } from '../../lib/errors.js';

export interface StrategyDeps {
  /** Share one HiGHS instance between strategies (it is loaded once per solver). */
  solver?: LpSolver;
  /** Required by 'oracle': the true USD/h of a protocol at given shares. */
  trueUsdPerHour?: TrueResponse;
}

export const strategies = {
  lp: (deps: StrategyDeps) => createLpStrategy({ solver: deps.solver }),
  greedy: (_deps: StrategyDeps) => createGreedyStrategy(),
  equal: (_deps: StrategyDeps) => createEqualStrategy(),
  oracle: (deps: StrategyDeps) => {
    if (!deps.trueUsdPerHour) throw new OrchaError('ORCHA_ERR_VALIDATION', "strategy 'oracle' needs trueUsdPerHour", [{ path: 'trueUsdPerHour', message: 'required for oracle' }]);
    return oracleStrategy(deps.trueUsdPerHour, { solver: deps.solver });
  },
} satisfies Record<string, (deps: StrategyDeps) => Strategy>;

export type StrategyName = keyof typeof strategies;

export function createStrategy(name: string, deps: StrategyDeps = {}): Strategy {
  if (!Object.hasOwn(strategies, name)) {
    throw new OrchaError('ORCHA_ERR_VALIDATION', `unknown strategy ${name}`, [{ path: 'optimizer.strategy', message: `one of ${Object.keys(strategies).join(', ')}` }]);
  }
  return strategies[name as StrategyName](deps);
}

export { createEqualStrategy, equalSplit } from './equal.strategy.js';
export { createGreedyStrategy, greedyFill } from './greedy.strategy.js';
export { createHighsSolver, type LpSolver } from './highs-solver.js';
export { createLpStrategy, trustRegion } from './lp.strategy.js';
export { explorationProbes } from './exploration.js';
export { oracleStrategy, type TrueResponse } from './oracle.strategy.js';
export { solveAllocation, type AllocationProblem } from './allocation-lp.js';
export { type ConcaveCurve, evaluateCurve } from './piecewise.js';
export { fitResponses } from './fit-responses.js';
export { fitProtocolResponse, priorCurves, settledObservations, type ProtocolResponse } from './response-model.js';
export { buildPlan, UNALLOCATED, type PlanModel } from './plan-builder.js';
export * from './types.js';
