import type { ReallocationStep } from '../../domain/reallocation.js';
import { RESOURCES, type ResourceShares } from '../../domain/resources.js';
import type { HostResources } from '../../domain/sample.js';
import type { Executor } from '../../executors/types.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage, OrchaError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ReallocationsRepository } from '../../store/types.js';
import { sameShares } from './allocation-math.js';

/** Read-back may round (NanoCpus, bytes, "2.00 TB"): this much difference still counts as verified. */
const VERIFY_TOLERANCE = 0.05;

export interface StepRunnerDeps {
  repo: ReallocationsRepository;
  executors: Map<string, Executor>;
  clock: Clock;
  log: Logger;
  stepTimeoutMs: () => number;
  /** Told every time a protocol's shares change in the world (keeps the engine's current allocation true). */
  onApplied: (protocol: string, shares: ResourceShares) => void;
}

/**
 * A step "in flight": the journal entry written before applying it carries the start time in `appliedAt` while
 * the status is still `pending`. After a crash such a step may or may not have reached the executor.
 */
export function isInFlight(step: ReallocationStep): boolean {
  return step.status === 'pending' && step.appliedAt !== null;
}

export function createStepRunner(deps: StepRunnerDeps) {
  const { repo, executors, clock, log } = deps;

  const executorFor = (protocol: string): Executor => {
    const ex = executors.get(protocol);
    if (!ex) throw new OrchaError('ORCHA_ERR_EXECUTOR', `no executor for protocol ${protocol}`);
    return ex;
  };

  /** Apply with the step timeout (on the injected clock), then verify by reading back what the executor controls. */
  async function applyVerified(protocol: string, shares: ResourceShares, host: HostResources): Promise<void> {
    const ex = executorFor(protocol);
    const timer = new AbortController();
    const timeoutMs = deps.stepTimeoutMs();
    const timeout = clock.sleep(timeoutMs, timer.signal).then(
      () => {
        throw new OrchaError('ORCHA_ERR_TIMEOUT', `executor for ${protocol} did not answer within ${timeoutMs / 1000} s`);
      },
      () => undefined,
    );
    try {
      await Promise.race([ex.apply(shares, host), timeout]);
    } finally {
      timer.abort();
    }
    deps.onApplied(protocol, shares);
    const readBack = await ex.read(host);
    if (readBack === null) return;
    const resources = ex.controls ?? RESOURCES;
    if (!sameShares(readBack, shares, resources, VERIFY_TOLERANCE)) {
      const diff = resources
        .filter((r) => Math.abs(readBack[r] - shares[r]) > VERIFY_TOLERANCE)
        .map((r) => `${r} ${readBack[r]} instead of ${shares[r]}`)
        .join(', ');
      throw new OrchaError('ORCHA_ERR_EXECUTOR', `verification failed for ${protocol}: ${diff}`);
    }
  }

  /** Whether the executor already holds `shares` (so undoing needs no call, and no restart). */
  async function alreadyHolds(protocol: string, shares: ResourceShares, host: HostResources): Promise<boolean> {
    const ex = executorFor(protocol);
    try {
      const now = await ex.read(host);
      return now !== null && sameShares(now, shares, ex.controls ?? RESOURCES, VERIFY_TOLERANCE);
    } catch {
      return false;
    }
  }

  /** Journal first, then apply and verify, then journal the outcome. Throws the step's error. */
  async function runStep(id: string, step: ReallocationStep, host: HostResources): Promise<void> {
    step.status = 'pending';
    step.appliedAt = clock.now();
    step.error = null;
    await repo.updateStep(id, { ...step });
    try {
      await applyVerified(step.protocol, step.to, host);
    } catch (err) {
      step.status = 'failed';
      step.error = errorMessage(err);
      await repo.updateStep(id, { ...step });
      throw err;
    }
    step.status = 'applied';
    step.appliedAt = clock.now();
    await repo.updateStep(id, { ...step });
  }

  /**
   * Undo steps in reverse order: each goes back to its `from`. `failed` and in-flight steps are restored only
   * when the executor does not already hold their `from` (a refused change left nothing to undo).
   * Stops at the first undo that fails: going on could over-allocate (an undone decrease next to a stuck increase).
   * Returns the error of the step that could not be undone (empty = the world is back where it started).
   */
  async function rollBack(id: string, steps: ReallocationStep[], host: HostResources): Promise<string[]> {
    const errors: string[] = [];
    for (const step of [...steps].sort((a, b) => b.seq - a.seq)) {
      const undoable = step.status === 'applied' || step.status === 'failed' || isInFlight(step);
      if (!undoable) continue;
      try {
        if (step.status !== 'applied' && (await alreadyHolds(step.protocol, step.from, host))) {
          deps.onApplied(step.protocol, step.from);
          continue;
        }
        await applyVerified(step.protocol, step.from, host);
        if (step.status !== 'failed') {
          step.status = 'rolled_back';
          await repo.updateStep(id, { ...step });
        }
      } catch (err) {
        const message = `undo of step ${step.seq} (${step.protocol}) failed: ${errorMessage(err)}`;
        log.error({ reallocation: id, step: step.seq }, message);
        errors.push(message);
        break;
      }
    }
    return errors;
  }

  return { runStep, rollBack, applyVerified, executorFor };
}

export type StepRunner = ReturnType<typeof createStepRunner>;
