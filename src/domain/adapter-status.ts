import { type Static, Type } from '@sinclair/typebox';
import { NodeHealthSchema } from './health.js';

/**
 * An adapter's status as every layer sees it (API, health, alerts, the optimizer's health map): one shape, one rule
 * for "healthy" and one for its health check.
 */
export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const AdapterStatusSchema = Type.Object(
  {
    protocol: Type.String(),
    type: Type.String(),
    connected: Type.Boolean(),
    breaker: Type.Union(BREAKER_STATES.map((s) => Type.Literal(s))),
    lastError: NullableString,
    /** The ORCHA_ERR_* code of the last failure, kept with lastError. */
    lastErrorCode: Type.Optional(NullableString),
    /** Real milliseconds the last poll took. */
    latencyMs: NullableNumber,
    lastSuccessAt: NullableNumber,
    consecutiveFailures: Type.Integer({ minimum: 0 }),
    /** What the node last said about its health (versions, QUIC, satellites, driver problems...); null until read. */
    nodeHealth: Type.Optional(Type.Union([NodeHealthSchema, Type.Null()])),
    /** epoch ms of the poll that read `nodeHealth`. */
    nodeHealthAt: Type.Optional(NullableNumber),
    /** Its own CPU, memory, network and disk I/O are measured (from its container's stats) in the latest snapshot; false: not measured. */
    resourcesMeasured: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export type AdapterStatus = Static<typeof AdapterStatusSchema>;

/** Healthy enough to plan with: its last poll answered and its breaker is closed. */
export function adapterHealthy(s: Pick<AdapterStatus, 'connected' | 'breaker'>): boolean {
  return s.connected && s.breaker === 'closed';
}

/** Its health check: down when disconnected or the breaker is open, degraded while half-open, up otherwise. */
export function adapterCheckStatus(s: Pick<AdapterStatus, 'connected' | 'breaker'>): 'up' | 'degraded' | 'down' {
  if (s.breaker === 'open' || !s.connected) return 'down';
  return s.breaker === 'half-open' ? 'degraded' : 'up';
}
