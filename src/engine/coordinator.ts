import { Value } from '@sinclair/typebox/value';
import { type EarningsTracker, createEarningsTracker } from '../adapters/earnings-tracker.js';
import type { PriceSource } from '../adapters/prices.js';
import type { Adapter } from '../adapters/types.js';
import type { ProtocolConfig } from '../config/schema.js';
import { type Allocation, zeroShares } from '../domain/resources.js';
import { type AdapterReading, AdapterReadingSchema, type HostResources, type ProtocolSample, type Snapshot } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError, errorMessage, isOrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { MetricsRepository } from '../store/types.js';
import { type BreakerState, type ProtocolResilience, createProtocolResilience, isBrokenCircuit } from './coordinator-resilience.js';
import type { HostReader } from './host-resources.js';
import { createLoop } from './loop.js';

/**
 * The coordinator polls every protocol's adapter concurrently, each at its own interval, under a deadline, retries and
 * a circuit breaker (coordinator-resilience.ts), so a slow or broken node never delays the others. Each cycle makes a
 * Snapshot (one sample per protocol, the host's totals), keeps it in a bounded ring, persists it and tells listeners.
 *
 * Time: the injected clock stamps samples and schedules polls (a VirtualClock runs a month in seconds); the per-call
 * deadline, retry backoff and breaker half-open delay are real time, because the network calls they guard are.
 */

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
  /** epoch ms of the last successful poll */
  lastSuccess: number | null;
  /** Why the last poll failed (kept after recovery until the next failure; null if it never failed). */
  lastError: string | null;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
  breaker: BreakerState;
  /** Real milliseconds the last poll took. */
  latencyMs: number | null;
  consecutiveFailures: number;
  /** epoch ms of the next due poll */
  nextPoll: number;
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
}

type Events = { snapshot: Snapshot; status: ProtocolStatus[] };

export interface Coordinator {
  /** Poll the protocols that are due (all of them with `force`), build, keep, persist and emit a snapshot. */
  pollOnce(options?: { signal?: AbortSignal; force?: boolean }): Promise<Snapshot>;
  start(): void;
  stop(): Promise<void>;
  latest(): Snapshot | null;
  /** Oldest first; at most `historySize`. */
  history(limit?: number): Snapshot[];
  status(): ProtocolStatus[];
  on<E extends keyof Events>(event: E, fn: (value: Events[E]) => void): () => void;
  /** Config reload: protocols kept by name keep their breaker, status and earnings baseline. */
  reconfigure(next: { protocols: ProtocolConfig[]; adapters: Map<string, Adapter>; settings?: CoordinatorSettings }): void;
  /** Loop interval: the shortest of intervals.poll and any protocol's own pollInterval. */
  intervalMs(): number;
}

interface ProtocolState {
  config: ProtocolConfig;
  adapter: Adapter;
  tracker: EarningsTracker;
  resilience: ProtocolResilience;
  status: ProtocolStatus;
  last: ProtocolSample | null;
}

const DEFAULT_TOKEN: Record<string, string> = { storj: 'USD', golem: 'GLM', mysterium: 'MYST', streamr: 'DATA', grass: 'GRASS', 'http-json': 'USD' };

const EMPTY_HOST: HostResources = {
  cpuCount: 0,
  cpuPercent: 0,
  memoryTotalBytes: 0,
  memoryUsedBytes: 0,
  bandwidthCapacityBytesPerSec: 0,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 0,
  storageUsedBytes: 0,
};

export function createCoordinator(options: CoordinatorOptions): Coordinator {
  const { clock, prices } = options;
  const log = options.log.child({ module: 'coordinator' });
  let settings = options.settings;
  const states = new Map<string, ProtocolState>();
  const ring: Snapshot[] = [];
  const listeners: { [E in keyof Events]: Set<(v: Events[E]) => void> } = { snapshot: new Set(), status: new Set() };
  let lastHost: HostResources = EMPTY_HOST;
  let inFlight: Promise<Snapshot> | null = null;

  function emit<E extends keyof Events>(event: E, value: Events[E]): void {
    for (const fn of listeners[event]) {
      try {
        fn(value);
      } catch (err) {
        log.error({ err: errorMessage(err), event }, 'listener failed');
      }
    }
  }

  const intervalOf = (s: ProtocolState) =>
    (s.config.pollInterval ?? (s.adapter.isCloud ? settings.intervals.cloudPoll : settings.intervals.poll)) * 1000;

  function createState(config: ProtocolConfig, adapter: Adapter): ProtocolState {
    const resilience = createProtocolResilience(settings);
    const state: ProtocolState = {
      config,
      adapter,
      tracker: createEarningsTracker({ prices }),
      resilience,
      last: null,
      status: {
        name: config.name,
        type: config.type,
        connected: false,
        lastSuccess: null,
        lastError: null,
        lastErrorCode: null,
        lastErrorAt: null,
        breaker: 'closed',
        latencyMs: null,
        consecutiveFailures: 0,
        nextPoll: clock.now(),
      },
    };
    watchBreaker(state);
    return state;
  }

  function watchBreaker(state: ProtocolState): void {
    const { resilience } = state;
    resilience.breaker.onStateChange(() => {
      if (state.resilience !== resilience) return;
      state.status.breaker = resilience.state();
      log.info({ protocol: state.config.name, breaker: state.status.breaker }, 'circuit breaker changed state');
      emit('status', statusList());
    });
  }

  function reconfigure(next: { protocols: ProtocolConfig[]; adapters: Map<string, Adapter>; settings?: CoordinatorSettings }): void {
    const resilienceChanged =
      next.settings &&
      (next.settings.retries !== settings.retries ||
        next.settings.breakerFailures !== settings.breakerFailures ||
        next.settings.breakerHalfOpenAfter !== settings.breakerHalfOpenAfter);
    if (next.settings) settings = next.settings;
    const keep = new Set<string>();
    for (const config of next.protocols) {
      if (!config.enabled) continue;
      const adapter = next.adapters.get(config.name);
      if (!adapter) throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `No adapter for protocol ${config.name}`);
      keep.add(config.name);
      const old = states.get(config.name);
      if (old && old.config.type === config.type) {
        old.config = config;
        old.adapter = adapter;
        if (resilienceChanged) {
          old.resilience = createProtocolResilience(settings);
          old.status.breaker = 'closed';
          watchBreaker(old);
        }
      } else {
        states.set(config.name, createState(config, adapter));
      }
    }
    for (const name of [...states.keys()]) if (!keep.has(name)) states.delete(name);
    while (ring.length > settings.historySize) ring.shift();
  }

  function statusList(): ProtocolStatus[] {
    return [...states.values()].map((s) => ({ ...s.status }));
  }

  function sampleBase(state: ProtocolState, time: number): Omit<ProtocolSample, 'connected' | 'token' | 'cumulativeTokens' | 'earnedTokens' | 'earnedUsd' | 'usdPerHour' | 'payoutEvent'> {
    return {
      protocol: state.config.name,
      type: state.config.type,
      time,
      uptime: 0,
      cpuPercent: 0,
      memoryBytes: 0,
      bandwidthBytesPerSec: 0,
      storageBytes: 0,
      allocation: { ...zeroShares(), ...(options.allocation()[state.config.name] ?? {}) },
      latencyMs: 0,
    };
  }

  async function poll(state: ProtocolState, time: number, signal?: AbortSignal): Promise<ProtocolSample> {
    const started = performance.now();
    const timeoutMs = state.config.timeout * 1000;
    try {
      const reading: AdapterReading = await state.resilience.run((s) => state.adapter.read(s), timeoutMs, signal);
      if (!Value.Check(AdapterReadingSchema, reading)) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `adapter ${state.adapter.type} returned an invalid reading`);
      }
      const latencyMs = performance.now() - started;
      const tracked = state.tracker.update(time, reading.cumulativeTokens, reading.token);
      if (tracked.payoutEvent) {
        log.info({ protocol: state.config.name, droppedTokens: tracked.droppedTokens, token: reading.token }, 'counter dropped: payout or reset recorded');
      }
      Object.assign(state.status, { connected: reading.connected, lastSuccess: time, latencyMs, consecutiveFailures: 0 });
      const r = reading.resources;
      return {
        ...sampleBase(state, time),
        connected: reading.connected,
        token: reading.token,
        cumulativeTokens: reading.cumulativeTokens,
        earnedTokens: tracked.earnedTokens,
        earnedUsd: tracked.earnedUsd,
        usdPerHour: tracked.usdPerHour,
        payoutEvent: tracked.payoutEvent,
        uptime: reading.uptime ?? (reading.connected ? 1 : 0),
        cpuPercent: r.cpuPercent ?? 0,
        memoryBytes: r.memoryBytes ?? 0,
        bandwidthBytesPerSec: r.bandwidthBytesPerSec ?? 0,
        storageBytes: r.storageBytes ?? 0,
        latencyMs,
      };
    } catch (err) {
      const latencyMs = performance.now() - started;
      const open = isBrokenCircuit(err);
      const code = open ? 'ORCHA_ERR_DEPENDENCY_DOWN' : isOrchaError(err) ? err.code : 'ORCHA_ERR_INTERNAL';
      // With the circuit open no call was made: keep the reason that opened it, say that we are not calling.
      const reason = open ? `circuit open, not calling the node (last error: ${state.status.lastError ?? 'unknown'})` : errorMessage(err);
      if (!open) {
        state.status.lastError = reason;
        state.status.lastErrorCode = code;
        state.status.lastErrorAt = time;
        state.status.consecutiveFailures++;
      }
      state.status.connected = false;
      state.status.latencyMs = latencyMs;
      log.warn({ protocol: state.config.name, code, reason }, 'poll failed');
      return {
        ...sampleBase(state, time),
        connected: false,
        error: reason,
        token: state.last?.token ?? state.config.token ?? DEFAULT_TOKEN[state.config.type] ?? 'USD',
        cumulativeTokens: null,
        earnedTokens: 0,
        earnedUsd: 0,
        // A node we cannot read is not known to earn: counted as zero, its counter baseline kept for when it is back.
        usdPerHour: 0,
        payoutEvent: false,
        latencyMs,
      };
    } finally {
      state.status.breaker = state.resilience.state();
      state.status.nextPoll = time + intervalOf(state);
    }
  }

  /** A protocol not due this cycle repeats its last sample at the new time, with nothing newly earned. */
  function carried(state: ProtocolState, time: number): ProtocolSample {
    const last = state.last!;
    return { ...last, time, earnedTokens: 0, earnedUsd: 0, payoutEvent: false, allocation: sampleBase(state, time).allocation };
  }

  async function cycle(signal?: AbortSignal, force = false): Promise<Snapshot> {
    const time = clock.now();
    const all = [...states.values()];
    const hostPromise = options.host.read().then(
      (h) => {
        lastHost = h;
        return h;
      },
      (err: unknown) => {
        log.warn({ err: errorMessage(err) }, 'host resources unreadable; using the last reading');
        return lastHost;
      },
    );
    const samples = await Promise.all(
      all.map(async (state) => {
        const due = force || !state.last || time >= state.status.nextPoll;
        const sample = due ? await poll(state, time, signal) : carried(state, time);
        state.last = sample;
        return sample;
      }),
    );
    const snapshot: Snapshot = {
      time,
      totalUsdPerHour: samples.reduce((s, p) => s + p.usdPerHour, 0),
      host: await hostPromise,
      protocols: samples,
    };
    ring.push(snapshot);
    while (ring.length > settings.historySize) ring.shift();
    try {
      await options.metrics.insertSnapshot(snapshot);
    } catch (err) {
      // The in-memory ring and the live view keep working while the database is down.
      log.error({ err: errorMessage(err) }, 'snapshot not persisted');
    }
    emit('snapshot', snapshot);
    emit('status', statusList());
    return snapshot;
  }

  const intervalMs = () =>
    Math.min(settings.intervals.poll * 1000, ...[...states.values()].map((s) => (s.config.pollInterval ?? Number.POSITIVE_INFINITY) * 1000));

  const loop = createLoop({
    name: 'poll',
    clock,
    log,
    intervalMs,
    signal: options.signal,
    tick: async (signal) => {
      await coordinator.pollOnce({ signal });
    },
  });

  const coordinator: Coordinator = {
    pollOnce(opts = {}) {
      // Cycles never overlap: a request during a cycle gets that cycle's snapshot.
      if (inFlight) return inFlight;
      inFlight = cycle(opts.signal, opts.force).finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    start: () => loop.start(),
    stop: () => loop.stop(),
    latest: () => ring[ring.length - 1] ?? null,
    history: (limit) => (limit === undefined ? [...ring] : ring.slice(Math.max(0, ring.length - limit))),
    status: statusList,
    on(event, fn) {
      listeners[event].add(fn);
      return () => void listeners[event].delete(fn);
    },
    reconfigure,
    intervalMs,
  };

  reconfigure({ protocols: options.protocols, adapters: options.adapters });
  return coordinator;
}
