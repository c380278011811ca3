import type { Config } from '../../config/schema.js';
import type { ReallocationStep } from '../../domain/reallocation.js';
import type { Allocation } from '../../domain/resources.js';
import type { Executor } from '../../executors/types.js';
import { errorMessage } from '../../lib/errors.js';
import { overAllocated, touchedProtocols } from './allocation-math.js';
import type { Skip } from './gates.js';
import type { EngineState } from './types.js';

/**
 * Pre-flight validation of a reallocation about to be applied: no resource over-allocated with the host reserve, every
 * touched protocol unpinned and healthy, and its executor answering. Null when all of it holds; otherwise a skip that
 * names every problem found.
 */
export async function preflight(
  config: Config,
  state: EngineState,
  executors: Map<string, Executor>,
  target: Allocation,
  steps: ReallocationStep[],
): Promise<Skip | null> {
  const problems: string[] = [];
  for (const o of overAllocated(target, config.host.reserve)) {
    problems.push(`${o.resource} would be ${o.total.toFixed(2)} % with the host reserve`);
  }
  const pinned = new Set(config.protocols.filter((p) => p.pinned).map((p) => p.name));
  for (const p of config.policies) if (p.enabled) for (const n of p.pinned) pinned.add(n);
  for (const name of touchedProtocols(steps)) {
    if (pinned.has(name)) problems.push(`${name} is pinned`);
    if (state.health[name] !== true) problems.push(`${name} is not healthy`);
    const ex = executors.get(name);
    if (!ex) {
      problems.push(`${name} has no executor`);
      continue;
    }
    try {
      await ex.check();
    } catch (err) {
      problems.push(`executor of ${name} does not answer: ${errorMessage(err)}`);
    }
  }
  if (problems.length === 0) return null;
  return { code: 'preflight_failed', reason: `preflight_failed: ${problems.join('; ')}` };
}
