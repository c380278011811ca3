import type { Adapter } from '../adapters/types.js';
import type { PriceSource } from '../adapters/prices.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { NodeHealth } from '../domain/health.js';
import type { Allocation } from '../domain/resources.js';
import type { Snapshot } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { LedgerRepository, MetricsRepository, NodeHealthRepository } from '../store/types.js';
import type { BreakerState } from './coordinator-resilience.js';
import type { HostReader } from './host-resources.js';

/** The coordinator's settings, options, status and interface (coordinator.ts builds it). */
export interface CoordinatorSettings {
  historySize: number;
  retries: number;
  breakerFailures: number;
  /** Seconds. */
  breakerHalfOpenAfter: number;
  /** Seconds (config `intervals`). */
  intervals: { poll: number; cloudPoll: number };
}

export interface ProtocolStatus {
  name: string;
  type: string;
  connected: boolean;
  /** epoch ms of the last successful poll (the loop's planned time for it) */
  lastSuccess: number | null;
  /** Why the last poll failed (kept after recovery until the next failure; null if it never failed). */
  lastError: string | null;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
  breaker: BreakerState;
  /** Real milliseconds the last poll took. */
  latencyMs: number | null;
  consecutiveFailures: number;
  /** epoch ms of the next due poll (a slot of the loop's grid) */
  nextPoll: number;
  /** The node's own health at its last successful poll (kept through failures; `nodeHealthAt` says how old). */
  nodeHealth: NodeHealth | null;
  nodeHealthAt: number | null;
}

export interface CoordinatorOptions {
  protocols: ProtocolConfig[];
  adapters: Map<string, Adapter>;
  metrics: Pick<MetricsRepository, 'insertSnapshot'>;
  host: HostReader;
  prices: PriceSource;
  clock: Clock;
  log: Logger;
  settings: CoordinatorSettings;
  /** The allocation in force, recorded with each sample. */
  allocation: () => Allocation;
  /** Stops the loop when aborted. */
  signal?: AbortSignal;
  /** Where each protocol's earnings ledger is kept, so a restart continues from the last stored counter. */
  ledgers?: LedgerRepository;
  /** Where node health is kept (one row per change). */
  health?: Pick<NodeHealthRepository, 'record'>;
  /**
   * Called with each snapshot before it is persisted (an agent's spool: written ahead of the local store, so a kill
   * between the two writes cannot leave a stored snapshot unsent). A throw is logged; the snapshot is still stored.
   */
  beforePersist?: (snapshot: Snapshot) => void;
}

export type CoordinatorEvents = { snapshot: Snapshot; status: ProtocolStatus[] };

export interface Coordinator {
  /** Poll the protocols that are due (all of them with `force`), build, keep, persist and emit a snapshot. */
  pollOnce(options?: { signal?: AbortSignal; force?: boolean }): Promise<Snapshot>;
  start(): void;
  stop(): Promise<void>;
  latest(): Snapshot | null;
  /** Oldest first; at most `historySize`. */
  history(limit?: number): Snapshot[];
  status(): ProtocolStatus[];
  on<E extends keyof CoordinatorEvents>(event: E, fn: (value: CoordinatorEvents[E]) => void): () => void;
  /** Config reload: protocols kept by name keep their breaker, status and earnings baseline. */
  reconfigure(next: { protocols: ProtocolConfig[]; adapters: Map<string, Adapter>; settings?: CoordinatorSettings }): void;
  /** Loop interval: the shortest of intervals.poll and any protocol's own pollInterval. */
  intervalMs(): number;
}
