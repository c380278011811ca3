/**
 * The agent's status summary (sent with its batches): this daemon's `GET status`, compact and cut to the bounds the
 * control plane checks, without what a fleet read does not need (node health details, WebSocket clients).
 */
import { AGENT_STATUS_ERROR_CHARS, AGENT_STATUS_MAX_ADAPTERS, type AgentStatus } from '../domain/agent-status.js';
import { LOOP_STATUS_ERROR_CHARS } from '../domain/loop-status.js';
import type { AppServices } from '../app/types.js';

type SystemStatus = Awaited<ReturnType<AppServices['status']>>;

const cut = (s: string | null | undefined, n: number): string | null => (s == null ? null : s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function agentStatusOf(s: SystemStatus): AgentStatus {
  return {
    version: s.version.slice(0, 64),
    startedAt: Math.max(0, Math.floor(s.startedAt)),
    uptimeSeconds: Math.max(0, s.uptimeSeconds),
    mode: s.mode.slice(0, 32),
    strategy: s.strategy.slice(0, 128),
    lastPlanAt: s.lastPlanAt,
    ...(s.simulated !== undefined ? { simulated: s.simulated } : {}),
    ...(s.loops ? { loops: s.loops.slice(0, 8).map((l) => ({ ...l, name: l.name.slice(0, 32), lastError: cut(l.lastError, LOOP_STATUS_ERROR_CHARS) })) } : {}),
    coordinator: {
      running: s.coordinator.running,
      lastPollAt: s.coordinator.lastPollAt,
      polls: s.coordinator.polls,
      adapters: s.coordinator.adapters.slice(0, AGENT_STATUS_MAX_ADAPTERS).map((a) => ({
        protocol: a.protocol.slice(0, 128),
        type: a.type.slice(0, 64),
        connected: a.connected,
        breaker: a.breaker,
        lastError: cut(a.lastError, AGENT_STATUS_ERROR_CHARS),
        lastErrorCode: cut(a.lastErrorCode, 64),
        latencyMs: a.latencyMs,
        lastSuccessAt: a.lastSuccessAt,
        consecutiveFailures: a.consecutiveFailures,
      })),
    },
    queue: { pending: s.queue.pending, processing: s.queue.processing, capacity: s.queue.capacity, byPriority: { ...s.queue.byPriority } },
  };
}
