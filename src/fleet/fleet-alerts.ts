/**
 * The fleet's own alerts: a host whose agent has gone silent beyond `fleet.silentAfter`, an agent whose version
 * differs from the control plane's (batches may then carry fields this version does not know), and an agent whose
 * spool keeps growing past `fleet.spoolAlertSnapshots` (it produces faster than it delivers: data waits on the host).
 */
import type { AlertCondition } from '../engine/monitor/alert-family.js';
import type { HostView } from './fleet.service.js';

export const FLEET_ALERT_TYPES = ['host_silent', 'agent_version_skew', 'agent_spool_growing'] as const;
export type FleetAlertType = (typeof FLEET_ALERT_TYPES)[number];

export interface FleetAlertThresholds {
  controlPlaneVersion: string;
  /** Snapshots waiting in a spool that, still growing, raise agent_spool_growing. */
  spoolAlertSnapshots: number;
  /** How long the spool must have kept growing, ms. */
  spoolGrowingForMs: number;
}

const minutesOf = (ms: number) => Math.round(ms / 60_000);

export function fleetConditions(hosts: HostView[], now: number, t: FleetAlertThresholds): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const h of hosts) {
    if (h.revokedAt !== null) continue;
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
