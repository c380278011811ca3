/**
 * The app-wide event bus: one typed publish/subscribe channel below HTTP. The application layer publishes what
 * happened (a new snapshot, an alert that changed, a reallocation, a config reload, a health change, an operation
 * update); the WebSocket hub, `/metrics`, the cache, notifications and energy accounting subscribe to it.
 *
 * A subscriber that throws (or rejects) is logged and skipped: it never stops the publisher nor the other
 * subscribers. Events are delivered synchronously in subscription order.
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
}
export type AppEventName = keyof AppEventMap;
export const APP_EVENT_NAMES: readonly AppEventName[] = ['metrics', 'alerts', 'reallocations', 'config', 'health', 'operations'];

export type AppEventListener<K extends AppEventName> = (data: AppEventMap[K]) => void | Promise<void>;

export interface EventBus {
  emit<K extends AppEventName>(topic: K, data: AppEventMap[K]): void;
  /** Subscribe; returns the function that unsubscribes. */
  on<K extends AppEventName>(topic: K, listener: AppEventListener<K>): () => void;
  /** Subscribers of a topic (for tests and status). */
  listenerCount(topic: AppEventName): number;
}

export interface EventBusOptions {
  /** Where a failing subscriber is reported (default: silently dropped). */
  log?: Pick<Logger, 'warn'>;
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const listeners = new Map<AppEventName, Set<(data: unknown) => void | Promise<void>>>();
  const report = (topic: AppEventName, err: unknown) =>
    options.log?.warn({ topic, err: errorMessage(err) }, 'event subscriber failed');
  return {
    emit(topic, data) {
      const set = listeners.get(topic);
      if (!set) return;
      // A copy: a subscriber may unsubscribe (or subscribe another) while this event is delivered.
      for (const listener of [...set]) {
        try {
          const result = listener(data);
          if (result && typeof (result as Promise<void>).catch === 'function') {
            (result as Promise<void>).catch((err: unknown) => report(topic, err));
          }
        } catch (err) {
          report(topic, err);
        }
      }
    },
    on(topic, listener) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      const fn = listener as (data: unknown) => void | Promise<void>;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    listenerCount(topic) {
      return listeners.get(topic)?.size ?? 0;
    },
  };
}
