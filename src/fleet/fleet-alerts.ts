/**
 * The fleet's own alerts: a host whose agent has gone silent beyond `fleet.silentAfter`, an agent whose version
 * differs from the control plane's (batches may then carry fields this version does not know), an agent whose
 * spool keeps growing past `fleet.spoolAlertSnapshots` (it produces faster than it delivers: data waits on the host),
 * and a node that its host's latest snapshot says is disconnected (the fleet view tells which node on which host).
 */
import type { AlertCondition } from '../engine/monitor/alert-family.js';
import type { HostView } from './fleet.service.js';

export const FLEET_ALERT_TYPES = ['host_silent', 'agent_version_skew', 'agent_spool_growing', 'host_node_disconnected'] as const;
export type FleetAlertType = (typeof FLEET_ALERT_TYPES)[number];

export interface FleetAlertThresholds {
  controlPlaneVersion: string;
  /** Snapshots waiting in a spool that, still growing, raise agent_spool_growing. */
  spoolAlertSnapshots: number;
  /** How long the spool must have kept growing, ms. */
  spoolGrowingForMs: number;
}

const minutesOf = (ms: number) => Math.round(ms / 60_000);

/** What a host's latest snapshot says of one of its nodes. */
export interface RemoteNode {
  protocol: string;
  connected: boolean;
  error?: string;
}

/** The dedup key of a remote node's disconnection: one per host and node. */
export const hostNodeKey = (host: string, protocol: string) => `host_node_disconnected:${host}:${protocol}`;

/**
 * `nodes`: each reporting host's latest snapshot, by host name. A silent host's nodes raise nothing of their own
 * (the host_silent alert says it; their state is not known).
 */
export function fleetConditions(hosts: HostView[], now: number, t: FleetAlertThresholds, nodes: ReadonlyMap<string, RemoteNode[]> = new Map()): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const h of hosts) {
    if (h.revokedAt !== null) continue;
    if (h.health === 'ok') {
      for (const n of nodes.get(h.name) ?? []) {
        if (n.connected) continue;
        const why = n.error ? `: ${n.error.slice(0, 200)}` : '';
        out.push({
          key: hostNodeKey(h.name, n.protocol),
          type: 'host_node_disconnected',
          severity: 'warning',
          protocol: n.protocol,
          message: `host ${h.name}: node ${n.protocol} is disconnected${why}`,
          details: { host: h.name, protocol: n.protocol, reason: n.error ?? null, since: h.lastSeenAt },
        });
      }
    }
    if (h.health === 'silent' && h.lastSeenAt !== null) {
      out.push({
        key: `host_silent:${h.name}`,
        type: 'host_silent',
        severity: 'critical',
        protocol: null,
        message: `host ${h.name}: no report from its agent for ${minutesOf(now - h.lastSeenAt)} min (last at ${new Date(h.lastSeenAt).toISOString()})`,
        details: { host: h.name, lastSeenAt: h.lastSeenAt, silentForMs: now - h.lastSeenAt },
      });
    }
    if (h.agentVersion !== null && h.agentVersion !== t.controlPlaneVersion) {
      out.push({
        key: `agent_version_skew:${h.name}`,
        type: 'agent_version_skew',
        severity: 'warning',
        protocol: null,
        message: `host ${h.name}: agent ${h.agentVersion} reports to control plane ${t.controlPlaneVersion}; upgrade one of them`,
        details: { host: h.name, agentVersion: h.agentVersion, controlPlaneVersion: t.controlPlaneVersion },
      });
    }
    const spool = h.spool;
    if (spool && spool.growingSince !== null && spool.pending >= t.spoolAlertSnapshots && now - spool.growingSince >= t.spoolGrowingForMs) {
      const oldest = spool.oldestAt === null ? '' : `, the oldest from ${minutesOf(now - spool.oldestAt)} min ago`;
      out.push({
        key: `agent_spool_growing:${h.name}`,
        type: 'agent_spool_growing',
        severity: 'warning',
        protocol: null,
        message: `host ${h.name}: ${spool.pending} snapshots wait in its agent's spool (threshold ${t.spoolAlertSnapshots})${oldest}, growing for ${minutesOf(now - spool.growingSince)} min`,
        details: {
          host: h.name,
          pending: spool.pending,
          threshold: t.spoolAlertSnapshots,
          oldestAt: spool.oldestAt,
          growingSince: spool.growingSince,
          reportedAt: spool.reportedAt,
        },
      });
    }
  }
  return out;
}
