import type { ResourceShares } from '../domain/resources.js';
import type { HostResources } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import type { Executor } from './types.js';

export interface DryRunRecord {
  time: number;
  shares: ResourceShares;
}

export interface DryRunExecutor extends Executor {
  /** Every apply, in order (for tests, demos and the audit view). */
  readonly history: readonly DryRunRecord[];
}

/** Records allocations and holds them in memory; always succeeds. Lets orcha run before anything is wired. */
export function createDryRunExecutor(options: { protocol: string; clock: Clock; initial?: ResourceShares }): DryRunExecutor {
  let held: ResourceShares | null = options.initial ? { ...options.initial } : null;
  const history: DryRunRecord[] = [];
  return {
    type: 'dry-run',
    protocol: options.protocol,
    restartsOnChange: false,
    history,
    async check() {},
    async read(_host: HostResources) {
      return held ? { ...held } : null;
    },
    async apply(shares: ResourceShares, _host: HostResources) {
      held = { ...shares };
      history.push({ time: options.clock.now(), shares: { ...shares } });
    },
  };
}
