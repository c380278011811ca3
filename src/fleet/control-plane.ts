/**
 * The control plane's fleet side, built once by the composition root: the fleet service (hosts, ingest) and the
 * loop that raises and resolves the fleet's alerts (silent hosts, agent version skew, growing spools). Thresholds
 * and cadence are the `fleet` config keys, read at every check (hot reload applies at the next one).
 */
import { hostname } from 'node:os';
import type { EventBus } from '../app/events.js';
import type { Config } from '../config/schema.js';
import { localHostName } from '../domain/host.js';
import { createLoop, type Loop } from '../engine/loop.js';
import { createAlertFamilies } from '../engine/monitor/alert-family.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import { AGENT_VERSION } from './agent-version.js';
import { createFleetService, type FleetService } from './fleet.service.js';
import { FLEET_ALERT_TYPES, type FleetAlertType, fleetConditions } from './fleet-alerts.js';

export type FleetConfig = Config['fleet'];

export interface FleetControlPlane {
  service: FleetService;
  alertsLoop: Loop;
}

export function createFleetControlPlane(deps: {
  store: Pick<Store, 'fleet' | 'alerts'>;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
  /** The running `fleet` config. */
  config: () => FleetConfig;
}): FleetControlPlane {
  const service = createFleetService({
    repo: deps.store.fleet,
    clock: deps.clock,
    settings: () => ({ silentAfterMs: deps.config().silentAfter * 1000, localName: deps.config().localName ?? localHostName(hostname()) }),
  });
  const families = createAlertFamilies<FleetAlertType>({
    repo: deps.store.alerts,
    clock: deps.clock,
    publish: (change, alert) => deps.events.emit('alerts', { change, alert }),
  });
  const alertsLoop = createLoop({
    name: 'fleet-alerts',
    clock: deps.clock,
    log: deps.log,
    intervalMs: () => deps.config().checkEvery * 1000,
    immediate: false,
    tick: async () => {
      const c = deps.config();
      const conditions = fleetConditions(await service.listHosts(), deps.clock.now(), {
        controlPlaneVersion: AGENT_VERSION,
        spoolAlertSnapshots: c.spoolAlertSnapshots,
        spoolGrowingForMs: c.spoolGrowingFor * 1000,
      });
      for (const type of FLEET_ALERT_TYPES) await families.sync(type, conditions.filter((x) => x.type === type));
    },
  });
  return { service, alertsLoop };
}
