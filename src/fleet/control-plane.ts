/**
 * The control plane's fleet side, built once by the composition root: the fleet service (hosts, ingest), the leases
 * that give each host's decision loop and the fleet alerts to exactly one replica, and the loop that raises and
 * resolves the fleet's alerts (silent hosts, agent version skew, growing spools). Thresholds and cadence are the
 * `fleet` config keys, read at every check (hot reload applies at the next one).
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
import { createFleetService, type FleetService, HOST_LEASE_PREFIX, hostLease } from './fleet.service.js';
import { FLEET_ALERT_TYPES, type FleetAlertType, fleetConditions, type RemoteNode } from './fleet-alerts.js';
import { createHostDecisions, type HostDecisions } from './host-decisions.js';
import { createLeaseManager, type LeaseManager } from './lease-manager.js';
import type { PlanningStrategy } from '../engine/reallocation/types.js';

export type FleetConfig = Config['fleet'];

/** The lease of the fleet alerts (one replica evaluates them); each host's decision lease is `hostLease(name)`. */
export const ALERTS_LEASE = 'fleet:alerts';

export interface FleetControlPlane {
  service: FleetService;
  leases: LeaseManager;
  alertsLoop: Loop;
  /** Each held host's decision loop (null when the control plane was built without a strategy). */
  decisions: HostDecisions | null;
  /** Start the lease rounds, the alerts loop and the decisions. */
  start(): void;
  /** Stop them and hand every lease over at once. */
  stop(): Promise<void>;
}

export function createFleetControlPlane(deps: {
  store: Pick<Store, 'fleet' | 'alerts' | 'leases' | 'hostPlans'> & Partial<Pick<Store, 'hostEnergy'>>;
  clock: Clock;
  log: Logger;
  events: Pick<EventBus, 'emit'>;
  /** The running `fleet` config. */
  config: () => FleetConfig;
  /** This replica's id in the leases (default: machine, process and a random part). */
  replica?: string;
  /** Decisions per host: the strategy and the running config (intervals.decide, optimizer). Without it: no plans. */
  decisions?: { strategy: PlanningStrategy; config: () => Config };
}): FleetControlPlane {
  const leases = createLeaseManager({
    repo: deps.store.leases,
    clock: deps.clock,
    log: deps.log,
    holder: deps.replica,
    ttlMs: () => deps.config().leaseTtl * 1000,
    // The hosts' decision loops are shared among the live replicas; the fleet alerts go to whichever takes them.
    shared: (name) => name.startsWith(HOST_LEASE_PREFIX),
    wanted: async () => [
      ALERTS_LEASE,
      ...(await deps.store.fleet.listHosts()).filter((h) => h.revokedAt === null).map((h) => hostLease(h.name)),
    ],
  });
  const service = createFleetService({
    repo: deps.store.fleet,
    leases: deps.store.leases,
    plans: deps.store.hostPlans,
    energy: deps.store.hostEnergy,
    clock: deps.clock,
    settings: () => ({
      silentAfterMs: deps.config().silentAfter * 1000,
      localName: deps.config().localName ?? localHostName(hostname()),
      rawRetentionMs: deps.decisions ? deps.decisions.config().storage.retention.rawDays * 86_400_000 : undefined,
    }),
    onIngest: (report) => deps.events.emit('hosts', report),
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
      // One replica raises and resolves the fleet alerts: two evaluating at once would open the same alert twice.
      if ((await leases.ensure(ALERTS_LEASE)) === null) return;
      const c = deps.config();
      const hosts = await service.listHosts();
      const nodes = new Map<string, RemoteNode[]>();
      for (const h of hosts) {
        if (h.health !== 'ok') continue;
        const latest = await deps.store.fleet.latest((await service.host(h.name)).id);
        if (latest) nodes.set(h.name, latest.protocols.map((p) => ({ protocol: p.protocol, connected: p.connected, error: p.error })));
      }
      const conditions = fleetConditions(
        hosts,
        deps.clock.now(),
        { controlPlaneVersion: AGENT_VERSION, spoolAlertSnapshots: c.spoolAlertSnapshots, spoolGrowingForMs: c.spoolGrowingFor * 1000 },
        nodes,
      );
      for (const type of FLEET_ALERT_TYPES) await families.sync(type, conditions.filter((x) => x.type === type));
    },
  });
  const decisions = deps.decisions
    ? createHostDecisions({ store: deps.store, leases, strategy: deps.decisions.strategy, config: deps.decisions.config, clock: deps.clock, log: deps.log })
    : null;
  return {
    service,
    leases,
    alertsLoop,
    decisions,
    start() {
      leases.start();
      alertsLoop.start();
      decisions?.loop.start();
    },
    async stop() {
      await decisions?.loop.stop();
      await alertsLoop.stop();
      await leases.stop();
    },
  };
}
