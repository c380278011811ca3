/**
 * The control plane's fleet side, built once by the composition root: the fleet service (hosts, ingest) and the
 * loop that raises and resolves the fleet's alerts (silent hosts, agent version skew).
 */
import type { EventBus } from '../app/events.js';
import { createAlertFamilies } from '../engine/monitor/alert-family.js';
import { createLoop, type Loop } from '../engine/loop.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import { AGENT_VERSION } from './agent-version.js';
import { fleetConditions } from './fleet-alerts.js';
import { createFleetService, type FleetService } from './fleet.service.js';

/** A host whose agent sent nothing for this long is silent (and alerted on). */
export const HOST_SILENT_AFTER_MS = 5 * 60_000;
const CHECK_EVERY_MS = 60_000;

export interface FleetControlPlane {
  service: FleetService;
  alertsLoop: Loop;
}

export function createFleetControlPlane(deps: {
  store: Pick<Store, 'fleet' | 'alerts'>;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
}): FleetControlPlane {
  const service = createFleetService({ repo: deps.store.fleet, clock: deps.clock, settings: () => ({ silentAfterMs: HOST_SILENT_AFTER_MS }) });
  const families = createAlertFamilies<'host_silent' | 'agent_version_skew'>({
    repo: deps.store.alerts,
    clock: deps.clock,
    publish: (change, alert) => deps.events.emit('alerts', { change, alert }),
  });
  const alertsLoop = createLoop({
    name: 'fleet-alerts',
    clock: deps.clock,
    log: deps.log,
    intervalMs: () => CHECK_EVERY_MS,
    immediate: false,
    tick: async () => {
      const conditions = fleetConditions(await service.listHosts(), deps.clock.now(), AGENT_VERSION);
      await families.sync('host_silent', conditions.filter((c) => c.type === 'host_silent'));
      await families.sync('agent_version_skew', conditions.filter((c) => c.type === 'agent_version_skew'));
    },
  });
  return { service, alertsLoop };
}
