import type { Reallocation } from '../../domain/reallocation.js';
import type { ResourceShares } from '../../domain/resources.js';
import type { HostResources } from '../../domain/sample.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage, OrchaError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ReallocationsRepository } from '../../store/types.js';
import { isInFlight, type StepRunner } from './step-runner.js';
import type { ReallocationEvent } from './types.js';

export interface RecoveryDeps {
  repo: ReallocationsRepository;
  runner: StepRunner;
  clock: Clock;
  log: Logger;
  mode: 'rollback' | 'finish';
  emit: (e: ReallocationEvent) => void;
  /** Steps the journal says were applied are in force now. */
  onApplied: (protocol: string, shares: ResourceShares) => void;
}

/**
 * Start-up recovery of reallocations a previous process left in `applying`. The journal says which steps were
 * applied and which one was in flight; rolling back (the default) undoes both in reverse, since the plan was
 * made for a world that has moved on. `finish` re-applies the in-flight step and the rest, and rolls everything
 * back if one of them fails.
 */
export function createRecovery(deps: RecoveryDeps) {
  const { repo, runner, clock, log } = deps;

  async function recoverOne(r: Reallocation, host: HostResources): Promise<Reallocation> {
    const steps = [...r.steps].sort((a, b) => a.seq - b.seq);
    const stopped = steps.find((s) => isInFlight(s)) ?? steps.find((s) => s.status === 'pending');
    const where = stopped ? `before step ${stopped.seq} (${stopped.protocol}) completed` : 'after its last step';
    log.warn({ reallocation: r.id, mode: deps.mode }, `recovering a reallocation interrupted ${where}`);
    for (const s of steps) if (s.status === 'applied') deps.onApplied(s.protocol, s.to);

    if (deps.mode === 'finish') {
      try {
        for (const step of steps) if (step.status !== 'applied') await runner.runStep(r.id, step, host);
        return await finish(r, 'applied', `interrupted ${where}; finished at start-up`);
      } catch (err) {
        const undo = await runner.rollBack(r.id, steps, host);
        const cause = `interrupted ${where}; finishing at start-up failed: ${errorMessage(err)}`;
        return finish(r, undo.length === 0 ? 'rolled_back' : 'failed', undo.length === 0 ? `${cause}; rolled back` : `${cause}; ${undo.join('; ')}`);
      }
    }
    const undo = await runner.rollBack(r.id, steps, host);
    return undo.length === 0
      ? finish(r, 'rolled_back', `interrupted ${where}; rolled back at start-up`)
      : finish(r, 'failed', `interrupted ${where}; rollback at start-up failed: ${undo.join('; ')}`);
  }

  async function finish(r: Reallocation, status: Reallocation['status'], reason: string): Promise<Reallocation> {
    const finishedAt = clock.now();
    await repo.update(r.id, { status, reason, finishedAt });
    const updated = (await repo.get(r.id)) ?? { ...r, status, reason, finishedAt };
    deps.emit({ type: 'reallocation', reallocation: updated });
    return updated;
  }

  async function recoverAll(host: HostResources | null): Promise<Reallocation[]> {
    const interrupted = await repo.findInterrupted();
    if (interrupted.length === 0) return [];
    if (!host) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'cannot recover reallocations before the host totals are known');
    const out: Reallocation[] = [];
    for (const r of interrupted.sort((a, b) => a.createdAt - b.createdAt)) out.push(await recoverOne(r, host));
    return out;
  }

  return { recoverAll };
}
