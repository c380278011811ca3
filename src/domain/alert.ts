import { Type, type Static } from '@sinclair/typebox';

export const ALERT_TYPES = [
  'protocol_disconnected',
  'earnings_drop',
  'resource_pressure',
  'reallocation_failed',
  'optimization_opportunity',
  'adapter_degraded',
  'config_invalid',
  /** A notification channel keeps failing (sent on the other channels). */
  'notification_failed',
  'power_meter_silent',
  'net_negative',
  'do_no_harm',
  /** A node reports a problem with itself: satellite suspended or disqualified, scores sinking, outdated, QUIC, drivers. */
  'node_health',
  'host_silent',
  'agent_version_skew',
  /** An agent's spool keeps growing past a threshold: it produces faster than the control plane takes. */
  'agent_spool_growing',
  /** A node on a fleet host is disconnected, as its agent's latest snapshot says. */
  'host_node_disconnected',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const AlertSchema = Type.Object({
  id: Type.String(),
  type: Type.Union(ALERT_TYPES.map((t) => Type.Literal(t))),
  severity: Type.Union(SEVERITIES.map((t) => Type.Literal(t))),
  status: Type.Union(ALERT_STATUSES.map((t) => Type.Literal(t))),
  /** Identifies the condition: one open alert per key while the condition holds. */
  dedupKey: Type.String(),
  protocol: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  /** epoch ms */
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  acknowledgedAt: Type.Union([Type.Number(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.Number(), Type.Null()]),
});
export type Alert = Static<typeof AlertSchema>;
