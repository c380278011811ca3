import type { NodeHealth } from './health.js';

/**
 * An adapter's status as every layer sees it (API, health, alerts, the optimizer's health map): one shape, one rule
 * for "healthy" and one for its health check.
 */
export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export interface AdapterStatus {
  protocol: string;
  type: string;
  connected: boolean;
  breaker: BreakerState;
  lastError: string | null;
  /** The ORCHA_ERR_* code of the last failure, kept with lastError. */
  lastErrorCode?: string | null;
  /** Real milliseconds the last poll took. */
  latencyMs: number | null;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  /** What the node last said about its health (versions, QUIC, satellites, driver problems...); null until read. */
  nodeHealth?: NodeHealth | null;
  /** epoch ms of the poll that read `nodeHealth`. */
  nodeHealthAt?: number | null;
}

/** Healthy enough to plan with: its last poll answered and its breaker is closed. */
export function adapterHealthy(s: Pick<AdapterStatus, 'connected' | 'breaker'>): boolean {
  return s.connected && s.breaker === 'closed';
}

/** Its health check: down when disconnected or the breaker is open, degraded while half-open, up otherwise. */
export function adapterCheckStatus(s: Pick<AdapterStatus, 'connected' | 'breaker'>): 'up' | 'degraded' | 'down' {
  if (s.breaker === 'open' || !s.connected) return 'down';
  return s.breaker === 'half-open' ? 'degraded' : 'up';
}
