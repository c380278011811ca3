import type { AdapterStatus } from '../domain/adapter-status.js';
import type { Snapshot } from '../domain/sample.js';
import type { Coordinator, ProtocolStatus } from '../engine/coordinator.js';
import type { EventBus } from './events.js';
import type { CoordinatorView } from './types.js';

/** The coordinator's per-protocol status in the shape every other layer uses. */
export function adapterStatusOf(s: ProtocolStatus): AdapterStatus {
  return {
    protocol: s.name,
    type: s.type,
    connected: s.connected,
    breaker: s.breaker,
    lastError: s.lastError,
    lastErrorCode: s.lastErrorCode,
    latencyMs: s.latencyMs,
    lastSuccessAt: s.lastSuccess,
    consecutiveFailures: s.consecutiveFailures,
    nodeHealth: s.nodeHealth,
    nodeHealthAt: s.nodeHealthAt,
  };
}

/**
 * The coordinator as the application sees it. Each new snapshot is published on the `metrics` topic, whichever
 * loop (or test) polled.
 */
export function coordinatorView(
  coordinator: Pick<Coordinator, 'latest' | 'status' | 'on'>,
  events: EventBus,
  running: () => boolean,
): CoordinatorView & { close(): void } {
  let polls = 0;
  let lastPollAt: number | null = null;
  const off = coordinator.on('snapshot', (snapshot: Snapshot) => {
    polls++;
    lastPollAt = snapshot.time;
    events.emit('metrics', snapshot);
  });
  return {
    latest: () => coordinator.latest(),
    status: () => {
      const measured = new Map(coordinator.latest()?.protocols.map((p) => [p.protocol, p.resourcesMeasured === true]) ?? []);
      const adapters = coordinator.status().map((s) => ({ ...adapterStatusOf(s), resourcesMeasured: measured.get(s.name) ?? false }));
      return { running: running(), lastPollAt, polls, adapters };
    },
    close: off,
  };
}
