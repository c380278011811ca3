import type { Config } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Snapshot } from '../domain/sample.js';
import type { AlertService } from '../engine/monitor/alerts.js';
import type { Clock } from '../lib/clock.js';
import { isOrchaError } from '../lib/errors.js';
import type { Store } from '../store/types.js';
import type { EngineService, MonitorService } from './types.js';

export interface MonitorServiceDeps {
  store: Pick<Store, 'alerts' | 'reallocations'>;
  alerts: AlertService;
  engine: EngineService;
  latest: () => Promise<Snapshot | null>;
  config: () => Config;
  clock: Clock;
}

/** Alerts (listed; acknowledged through the alert service, which publishes each change) and the dashboard. */
export function createMonitorService(deps: MonitorServiceDeps): MonitorService {
  return {
    alerts: (q) => deps.store.alerts.list(q),
    async acknowledge(ids, by) {
      const changed: Alert[] = [];
      for (const id of ids) {
        // Only open alerts change; acknowledged ones stay as they were (and are not reported again).
        if ((await deps.store.alerts.get(id))?.status !== 'open') continue;
        try {
          changed.push(await deps.alerts.acknowledge(id, by ?? 'unknown'));
        } catch (err) {
          // unknown or already resolved alerts are skipped, as the endpoint documents
          if (!isOrchaError(err, 'ORCHA_ERR_NOT_FOUND') && !isOrchaError(err, 'ORCHA_ERR_CONFLICT')) throw err;
        }
      }
      return changed;
    },
    async dashboard() {
      const [snapshot, allocation, alerts, reallocations] = await Promise.all([
        deps.latest(),
        deps.engine.allocation(),
        deps.store.alerts.list({ status: ['open', 'acknowledged'], limit: 50 }),
        deps.store.reallocations.list({ limit: 10 }),
      ]);
      return {
        time: deps.clock.now(),
        totalUsdPerHour: snapshot?.totalUsdPerHour ?? 0,
        mode: deps.config().reallocation.mode,
        snapshot,
        allocation,
        opportunities: allocation.plan?.opportunities ?? [],
        alerts,
        reallocations,
      };
    },
  };
}
