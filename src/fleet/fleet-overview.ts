/**
 * One view of the whole fleet: this machine and every host whose agent reports here, each with its health, when it
 * was last heard from, what it earns per hour and its open alerts, plus the totals. Pure: the route gathers the parts.
 */
import type { Alert } from '../domain/alert.js';
import type { Snapshot } from '../domain/sample.js';
import type { HostHealth, HostView } from './fleet.service.js';

export interface FleetRow {
  name: string;
  /** This machine (its own tables), not a remote agent. */
  local: boolean;
  health: HostHealth;
  lastSeenAt: number | null;
  usdPerHour: number | null;
  /** Net of power cost, USD/h, at the latest energy point; null without energy accounting. */
  netUsdPerHour: number | null;
  protocols: number;
  connected: number;
  agentVersion: string | null;
  /** Open and acknowledged alerts about this host. */
  openAlerts: number;
}

export interface FleetOverview {
  generatedAt: number;
  totals: {
    hosts: number;
    ok: number;
    silent: number;
    neverSeen: number;
    revoked: number;
    /** Sum over hosts that are not revoked, of their latest USD/h. */
    usdPerHour: number;
    openAlerts: number;
  };
  hosts: FleetRow[];
}

export function fleetOverview(input: {
  now: number;
  local: { name: string; latest: Snapshot | null; version: string; netUsdPerHour?: number | null };
  hosts: HostView[];
  /** Active alerts; a fleet alert names its host in `details.host`, every other alert is about this machine. */
  alerts: Alert[];
  silentAfterMs: number;
}): FleetOverview {
  const { now, local, hosts } = input;
  const remoteNames = new Set(hosts.map((h) => h.name));
  const alertsOf = new Map<string, number>();
  for (const a of input.alerts) {
    const named = typeof a.details?.host === 'string' ? a.details.host : null;
    const owner = named !== null && remoteNames.has(named) ? named : local.name;
    alertsOf.set(owner, (alertsOf.get(owner) ?? 0) + 1);
  }
  const latest = local.latest;
  const localRow: FleetRow = {
    name: local.name,
    local: true,
    health: latest === null ? 'never-seen' : now - latest.time > input.silentAfterMs ? 'silent' : 'ok',
    lastSeenAt: latest?.time ?? null,
    usdPerHour: latest?.totalUsdPerHour ?? null,
    netUsdPerHour: local.netUsdPerHour ?? null,
    protocols: latest?.protocols.length ?? 0,
    connected: latest?.protocols.filter((p) => p.connected).length ?? 0,
    agentVersion: local.version,
    openAlerts: alertsOf.get(local.name) ?? 0,
  };
  const rows: FleetRow[] = [
    localRow,
    ...hosts
      .filter((h) => h.name !== local.name)
      .map((h) => ({
        name: h.name,
        local: false,
        health: h.health,
        lastSeenAt: h.lastSeenAt,
        usdPerHour: h.usdPerHour,
        netUsdPerHour: h.netUsdPerHour,
        protocols: h.protocols,
        connected: h.connected,
        agentVersion: h.agentVersion,
        openAlerts: alertsOf.get(h.name) ?? 0,
      })),
  ];
  const count = (health: HostHealth) => rows.filter((r) => r.health === health).length;
  return {
    generatedAt: now,
    totals: {
      hosts: rows.length,
      ok: count('ok'),
      silent: count('silent'),
      neverSeen: count('never-seen'),
      revoked: count('revoked'),
      usdPerHour: rows.reduce((sum, r) => sum + (r.health === 'revoked' ? 0 : (r.usdPerHour ?? 0)), 0),
      openAlerts: rows.reduce((sum, r) => sum + r.openAlerts, 0),
    },
    hosts: rows,
  };
}
