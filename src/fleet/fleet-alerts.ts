/**
 * The fleet's own alerts: a host whose agent has gone silent beyond `silentAfter`, and an agent whose version differs
 * from the control plane's (batches may then carry fields this version does not know).
 */
import type { AlertCondition } from '../engine/monitor/alert-family.js';
import type { HostView } from './fleet.service.js';

export function fleetConditions(hosts: HostView[], now: number, controlPlaneVersion: string): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const h of hosts) {
    if (h.revokedAt !== null) continue;
    if (h.health === 'silent' && h.lastSeenAt !== null) {
      const minutes = Math.round((now - h.lastSeenAt) / 60_000);
      out.push({
        key: `host_silent:${h.name}`,
        type: 'host_silent',
        severity: 'critical',
        protocol: null,
        message: `host ${h.name}: no report from its agent for ${minutes} min (last at ${new Date(h.lastSeenAt).toISOString()})`,
        details: { host: h.name, lastSeenAt: h.lastSeenAt, silentForMs: now - h.lastSeenAt },
      });
    }
    if (h.agentVersion !== null && h.agentVersion !== controlPlaneVersion) {
      out.push({
        key: `agent_version_skew:${h.name}`,
        type: 'agent_version_skew',
        severity: 'warning',
        protocol: null,
        message: `host ${h.name}: agent ${h.agentVersion} reports to control plane ${controlPlaneVersion}; upgrade one of them`,
        details: { host: h.name, agentVersion: h.agentVersion, controlPlaneVersion },
      });
    }
  }
  return out;
}
