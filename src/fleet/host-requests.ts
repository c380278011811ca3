/**
 * `POST reallocate?host=NAME` on a control plane: the operator's explicit request for a fleet host. The control plane
 * plans for the host now and stores the plan with the request (operation id, dry run, who, when); the host's agent
 * takes it with its next plan exchange and decides on it like a local manual request (its gates, journal and
 * rollback; applied even in advisory mode, never on a dry run), then reports the outcome. The operation waits for
 * that outcome, and fails with the reason when the agent does not report within the bound.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { Store } from '../store/types.js';
import type { HostDecisions } from './host-decisions.js';

export interface HostReallocateResult {
  host: string;
  planId: string;
  dryRun: boolean;
  status: string;
  reason: string | null;
  reallocationId: string | null;
  reportedAt: number;
}

export type HostReallocate = (
  host: string,
  request: { dryRun: boolean; operationId: string; requestedBy: string | null },
  signal: AbortSignal,
  /** Called once the plan is made: the caller's worker is free while the agent is awaited. */
  release?: () => void,
) => Promise<HostReallocateResult>;

/** How long a request waits for its agent: three silent-host spans, within the operation's own 5 min timeout. */
export const requestBoundMs = (config: Config): number => Math.min(3 * config.fleet.silentAfter * 1000, 270_000);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const t = setTimeout(done, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        done();
      },
      { once: true },
    );
  });

export function createHostReallocate(deps: {
  store: Pick<Store, 'fleet' | 'hostPlans'>;
  decisions: HostDecisions;
  config: () => Config;
  clock: Clock;
  pollMs?: number;
}): HostReallocate {
  return async (name, request, signal, release) => {
    const host = await deps.store.fleet.findHostByName(name);
    if (!host) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${name}" (orcha host add ${name} creates one)`);
    if (host.revokedAt !== null) throw new OrchaError('ORCHA_ERR_CONFLICT', `Host "${name}" is revoked: its agent takes no plans`);
    const started = deps.clock.now();
    const planId = await deps.decisions.decideRequest(host, { ...request, requestedAt: started });
    const bound = requestBoundMs(deps.config());
    // The plan is made: waiting for the agent holds no worker, so reports and exports queued behind it go on.
    release?.();
    while (!signal.aborted && deps.clock.now() - started < bound) {
      const plan = await deps.store.hostPlans.get(host.id, planId);
      if (plan?.outcome) {
        const o = plan.outcome;
        return { host: name, planId, dryRun: request.dryRun, status: o.status, reason: o.reason, reallocationId: o.reallocationId, reportedAt: o.reportedAt };
      }
      await sleep(deps.pollMs ?? 500, signal);
    }
    throw new OrchaError(
      'ORCHA_ERR_TIMEOUT',
      `Host "${name}"'s agent did not report on the request (plan ${planId}) within ${Math.round(bound / 1000)} s: it may be offline, or older than requests (it then applies nothing)`,
    );
  };
}
