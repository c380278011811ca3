/**
 * The app-wide event bus: one typed publish/subscribe channel below HTTP. The application layer publishes what
 * happened (a new snapshot, an alert that changed, a reallocation, a config reload, a health change, an operation
 * update); the WebSocket hub, `/metrics`, the cache, notifications and energy accounting subscribe to it.
 *
 * A subscriber that throws (or rejects) is logged and skipped: it never stops the publisher nor the other
 * subscribers. Events are delivered synchronously in subscription order.
 *
 * With several control-plane replicas, the topics in `REPLICATED_TOPICS` also travel between them (see
 * replica-bridge.ts): an event from another replica is `relay`ed to the subscribers that asked for remote events
 * (`{ remote: true }`: the WebSocket hub), never to those that act on an event (notifications, cache, energy), which
 * already ran on the replica where it happened.
 */
import type { Alert } from '../domain/alert.js';
import type { Operation } from '../domain/operation.js';
import type { Reallocation } from '../domain/reallocation.js';
import type { Snapshot } from '../domain/sample.js';
import type { AlertChange } from '../engine/monitor/alerts.js';
import type { FieldError } from '../lib/errors.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Health } from '../http/schemas/views.js';

export type { AlertChange } from '../engine/monitor/alerts.js';

/** An alert changed: `raised` (opened), `updated` (its message or details changed), `acknowledged`, `resolved`. */
export interface AlertChangeEvent {
  change: AlertChange;
  alert: Alert;
}

/** A configuration reload: `applied` (the new config is live) or `rejected` (the old one stays; `errors` say why). */
export interface ConfigEvent {
  kind: 'applied' | 'rejected';
  source: string;
  changedKeys?: string[];
  errors?: FieldError[];
}

/** A host's agent delivered a batch: the host's newest snapshot as stored (the fleet view's live feed). */
export interface HostReportEvent {
  host: string;
  batchId: string;
  /** Snapshots in the batch. */
  snapshots: number;
  latest: Snapshot;
}

/** Topic -> payload. Add a topic here and every publisher and subscriber is checked against it. */
export interface AppEventMap {
  /** Every new snapshot of the host and its protocols (the samples of one poll). */
  metrics: Snapshot;
  alerts: AlertChangeEvent;
  /** A decision was recorded or a recorded one changed status. */
  reallocations: Reallocation;
  config: ConfigEvent;
  /** The health checks, published when their result changes (not at every poll). */
  health: Health;
  operations: Operation;
  hosts: HostReportEvent;
}
export type AppEventName = keyof AppEventMap;
export const APP_EVENT_NAMES: readonly AppEventName[] = ['metrics', 'alerts', 'reallocations', 'config', 'health', 'operations', 'hosts'];
/**
 * What every replica's clients must see whichever replica it happened on: shared state (alerts, decisions,
 * operations in the database) and agents' reports. `metrics`, `health` and `config` are each replica's own.
 */
export const REPLICATED_TOPICS = ['alerts', 'reallocations', 'operations', 'hosts'] as const satisfies readonly AppEventName[];
export type ReplicatedTopic = (typeof REPLICATED_TOPICS)[number];

export interface SubscribeOptions {
  /** Also receive events relayed from other replicas (default: only this process's events). */
  remote?: boolean;
}

export type AppEventListener<K extends AppEventName> = (data: AppEventMap[K]) => void | Promise<void>;

export interface EventBus {
  emit<K extends AppEventName>(topic: K, data: AppEventMap[K]): void;
  /** Subscribe; returns the function that unsubscribes. */
  on<K extends AppEventName>(topic: K, listener: AppEventListener<K>, options?: SubscribeOptions): () => void;
  /** Deliver an event that happened on another replica, to the subscribers that asked for remote events only. */
  relay<K extends AppEventName>(topic: K, data: AppEventMap[K]): void;
  /** Subscribers of a topic (for tests and status). */
  listenerCount(topic: AppEventName): number;
}

export interface EventBusOptions {
  /** Where a failing subscriber is reported (default: silently dropped). */
  log?: Pick<Logger, 'warn'>;
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  type Entry = { fn: (data: unknown) => void | Promise<void>; remote: boolean };
  const listeners = new Map<AppEventName, Set<Entry>>();
  const report = (topic: AppEventName, err: unknown) =>
    options.log?.warn({ topic, err: errorMessage(err) }, 'event subscriber failed');
  const deliver = (topic: AppEventName, data: unknown, remoteOnly: boolean) => {
    const set = listeners.get(topic);
    if (!set) return;
    // A copy: a subscriber may unsubscribe (or subscribe another) while this event is delivered.
    for (const entry of [...set]) {
      if (remoteOnly && !entry.remote) continue;
      try {
        const result = entry.fn(data);
        if (result && typeof (result as Promise<void>).catch === 'function') {
          (result as Promise<void>).catch((err: unknown) => report(topic, err));
        }
      } catch (err) {
        report(topic, err);
      }
    }
  };
  return {
    emit(topic, data) {
      deliver(topic, data, false);
    },
    relay(topic, data) {
      deliver(topic, data, true);
    },
    on(topic, listener, subscribeOptions) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      const entry: Entry = { fn: listener as Entry['fn'], remote: subscribeOptions?.remote === true };
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    listenerCount(topic) {
      return listeners.get(topic)?.size ?? 0;
    },
  };
}
