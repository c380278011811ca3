import { Value } from '@sinclair/typebox/value';
import type { ProtocolConfig } from '../config/schema.js';
import { type ResourceShares, ResourceSharesSchema } from '../domain/resources.js';
import type { HostResources } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import { withDeadline } from '../lib/deadline.js';
import { OrchaError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { type Executor, SIM_CONTROL_PREFIX } from './types.js';

export interface SimulatorExecutorDeps {
  /** Accepted for symmetry with the other executors (ExecutorDeps); control calls are plain HTTP. */
  clock?: Clock;
  log?: Logger;
  fetch?: typeof fetch;
  /** Real milliseconds per control call (default 5 s). */
  timeoutMs?: number;
}

/**
 * Applies allocations to a built-in node simulator through its control endpoint, so simulated earnings respond to
 * allocations the way a real node responds to Docker limits. Holds all four resources; applies without restart.
 */
export function createSimulatorExecutor(protocol: ProtocolConfig, deps: SimulatorExecutorDeps = {}): Executor {
  const doFetch = deps.fetch ?? fetch;
  const url = `${protocol.endpoint.replace(/\/+$/, '')}${SIM_CONTROL_PREFIX}/allocation`;

  /** One control call, its answer read by `take`, all under one deadline (an explicit timer, see lib/deadline.ts). */
  function call<T>(method: 'GET' | 'PUT', body: ResourceShares | undefined, take: (res: Response) => Promise<T>): Promise<T> {
    return withDeadline(deps.timeoutMs ?? 5_000, async (signal) => {
      let res: Response;
      try {
        res = await doFetch(url, {
          method,
          headers: body ? { 'content-type': 'application/json' } : {},
          body: body ? JSON.stringify(body) : undefined,
          signal,
        });
      } catch (err) {
        throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `simulator ${protocol.name}: ${errorMessage(err)}`, undefined, { cause: err });
      }
      return take(res);
    });
  }

  function read(): Promise<ResourceShares> {
    return call('GET', undefined, async (res) => {
      const body: unknown = await res.json().catch(() => undefined);
      if (!res.ok || !Value.Check(ResourceSharesSchema, body)) {
        throw new OrchaError('ORCHA_ERR_EXECUTOR', `simulator ${protocol.name}: allocation read failed (HTTP ${res.status})`);
      }
      return body;
    });
  }

  return {
    type: 'simulator',
    protocol: protocol.name,
    restartsOnChange: false,
    async check() {
      await read();
    },
    read: (_host: HostResources) => read(),
    async apply(shares: ResourceShares, _host: HostResources) {
      const status = await call('PUT', shares, async (res) => {
        await res.body?.cancel();
        return res.status;
      });
      if (status !== 204) throw new OrchaError('ORCHA_ERR_EXECUTOR', `simulator ${protocol.name}: apply refused (HTTP ${status})`);
    },
  };
}
