import { setMaxListeners } from 'node:events';
import { Value } from '@sinclair/typebox/value';
import { type EarningsLedger, type LedgerState, createEarningsLedger } from '../adapters/earnings-ledger.js';
import type { Adapter } from '../adapters/types.js';
import type { ProtocolConfig } from '../config/schema.js';
import { type AdapterReading, AdapterReadingSchema, type HostResources, type ProtocolSample, type Snapshot } from '../domain/sample.js';
import { OrchaError, errorMessage, isOrchaError } from '../lib/errors.js';
import { type ProtocolResilience, createProtocolResilience, isBrokenCircuit } from './coordinator-resilience.js';
import { EMPTY_HOST, carriedSample, failedSample, implausibility, readSample, sampleBase, tokenOf } from './coordinator-sample.js';
import type { Coordinator, CoordinatorEvents, CoordinatorOptions, CoordinatorSettings, ProtocolStatus } from './coordinator-types.js';
import { createLoop } from './loop.js';

export type * from './coordinator-types.js';

/**
 * The coordinator owns the one poll loop of the process. Each protocol has its own schedule (its next due time, from
 * its own interval) and at most one poll in flight, under a deadline, retries and a circuit breaker
 * (coordinator-resilience.ts). The loop ticks at a fixed rate (the shortest interval) on a fixed grid of planned
 * times: each tick stands for its planned time (its slot), stamps its samples with it, and schedules every protocol
 * it polls from that slot, never from when the process woke up. A wake-up made late by a busy host (a collection, a
 * database write, another process on the core) therefore shifts neither the stored times nor any protocol's next
 * poll; only a stall longer than a whole interval skips slots, and that gap is then real. Each tick starts the polls
 * that are due without waiting for any of them, so a slow or hanging node never delays another's poll, nor the next
 * tick. Each tick then makes a Snapshot (one sample per protocol, the host's totals) from the polls it started,
 * waiting for them at most one interval: a poll still running after that is carried from its last sample and lands in
 * a later snapshot. Snapshots are kept in a bounded ring, persisted and told to listeners, in tick order.
 *
 * Time: the injected clock stamps samples and schedules polls (a VirtualClock runs a month in seconds); the per-call
 * deadline, retry backoff, breaker half-open delay and the snapshot's wait are real time, because the network calls
 * they guard are.
 */

interface ProtocolState {
  config: ProtocolConfig;
  adapter: Adapter;
  ledger: EarningsLedger;
  resilience: ProtocolResilience;
  status: ProtocolStatus;
  last: ProtocolSample | null;
  /** A sample read since the last snapshot, not yet in one. */
  fresh: ProtocolSample | null;
  /** The poll in flight, if any: a protocol never has two. */
  polling: Promise<void> | null;
}

export function createCoordinator(options: CoordinatorOptions): Coordinator {
  const { clock, prices } = options;
  const log = options.log.child({ module: 'coordinator' });
  let settings = options.settings;
  const states = new Map<string, ProtocolState>();
  const ring: Snapshot[] = [];
  const listeners: { [E in keyof CoordinatorEvents]: Set<(v: CoordinatorEvents[E]) => void> } = { snapshot: new Set(), status: new Set() };
  let lastHost: HostResources = EMPTY_HOST;
  let assembling: Promise<Snapshot> | null = null;
  // Aborts the polls in flight when the coordinator stops.
  let stopper = newStopper();
  // Ledgers stored by the last run: a protocol's first reading continues from there.
  let storedLedgers = new Map<string, LedgerState>();
  const restoring: Promise<void> = options.ledgers
    ? options.ledgers.load().then(
        (stored) => {
          storedLedgers = stored;
          for (const state of states.values()) restoreLedger(state);
        },
        (err: unknown) => log.warn({ err: errorMessage(err) }, 'stored earnings ledgers unreadable; counting from the next readings'),
      )
    : Promise.resolve();

  function restoreLedger(state: ProtocolState): void {
    const stored = storedLedgers.get(state.config.name);
    if (stored && !state.ledger.state()) state.ledger.restore(stored);
  }

  function saveLedger(state: ProtocolState): void {
    const current = state.ledger.state();
    if (!current || !options.ledgers) return;
    options.ledgers.save(state.config.name, current).catch((err: unknown) => log.warn({ err: errorMessage(err), protocol: state.config.name }, 'earnings ledger not saved'));
  }

  function emit<E extends keyof CoordinatorEvents>(event: E, value: CoordinatorEvents[E]): void {
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
      ledger: createEarningsLedger({ prices }),
      resilience,
      last: null,
      fresh: null,
      polling: null,
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
        nodeHealth: null,
        nodeHealthAt: null,
      },
    };
    watchBreaker(state);
    restoreLedger(state);
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

  const base = (state: ProtocolState, time: number) => sampleBase(state.config, time, options.allocation());

  /** One poll of one protocol: its sample goes to `fresh` for the next snapshot. Never throws. */
  async function poll(state: ProtocolState, time: number, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const timeoutMs = state.config.timeout * 1000;
    let sample: ProtocolSample;
    try {
      const reading: AdapterReading = await state.resilience.run((s) => state.adapter.read(s), timeoutMs, signal);
      if (!Value.Check(AdapterReadingSchema, reading)) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `adapter ${state.adapter.type} returned an invalid reading`);
      }
      const wrong = implausibility(reading);
      if (wrong) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${state.adapter.type} reading: ${wrong}`);
      const latencyMs = performance.now() - started;
      await restoring;
      const tracked = state.ledger.record(time, reading);
      saveLedger(state);
      if (reading.health) {
        state.status.nodeHealth = reading.health;
        state.status.nodeHealthAt = time;
      }
      if (reading.health && options.health) {
        options.health.record(state.config.name, time, reading.health).catch((err: unknown) => log.warn({ err: errorMessage(err), protocol: state.config.name }, 'node health not saved'));
      }
      if (tracked.payoutEvent) {
        log.info({ protocol: state.config.name, droppedTokens: tracked.droppedTokens, token: reading.token }, 'counter dropped: payout or reset recorded');
      }
      Object.assign(state.status, { connected: reading.connected, lastSuccess: time, latencyMs, consecutiveFailures: 0 });
      sample = readSample(base(state, time), reading, tracked, latencyMs);
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
      sample = failedSample(base(state, time), reason, tokenOf(state.config, state.last), latencyMs);
    } finally {
      state.status.breaker = state.resilience.state();
    }
    state.fresh = sample;
    state.last = sample;
  }

  /**
   * Start a poll for the slot `time` unless one is in flight (then that one stands for it); the next one is due one
   * interval after that slot. A poll that answered after its next slot had passed (a slow node, a busy host) is
   * followed at once by the one it held up, stamped with that slot, so its node misses no interval. A failed one
   * waits for the next tick.
   */
  function startPoll(state: ProtocolState, time: number): Promise<void> {
    if (state.polling) return state.polling;
    state.status.nextPoll = time + intervalOf(state);
    const polling = poll(state, time, stopper.signal).finally(() => {
      if (state.polling !== polling) return;
      state.polling = null;
      const due = state.status.nextPoll;
      const now = clock.now();
      if (loop.running && !stopper.signal.aborted && states.get(state.config.name) === state && !state.last?.error && now >= due) {
        // The latest of its slots that has passed (more than one if the poll outlasted several intervals).
        const every = intervalOf(state);
        void startPoll(state, due + Math.floor((now - due) / every) * every);
      }
    });
    state.polling = polling;
    return polling;
  }

  /** The sample a snapshot at `time` holds for a protocol: its fresh reading, else its last one carried forward. */
  function sampleAt(state: ProtocolState, time: number): ProtocolSample {
    const fresh = state.fresh;
    state.fresh = null;
    if (fresh) return { ...fresh, time };
    if (state.last) return carriedSample(state.last, time, base(state, time).allocation);
    const waiting = `no answer yet: the first poll is still running (timeout ${state.config.timeout} s)`;
    return failedSample(base(state, time), waiting, tokenOf(state.config, null), 0);
  }

  function readHost(): Promise<HostResources> {
    return options.host.read().then(
      (h) => {
        lastHost = h;
        return h;
      },
      (err: unknown) => {
        log.warn({ err: errorMessage(err) }, 'host resources unreadable; using the last reading');
        return lastHost;
      },
    );
  }

  async function assemble(time: number, polls: Promise<void>[], waitMs: number): Promise<Snapshot> {
    const hostPromise = readHost();
    await settledWithin(polls, waitMs);
    const samples = [...states.values()].map((state) => sampleAt(state, time));
    const snapshot: Snapshot = {
      time,
      totalUsdPerHour: samples.reduce((s, p) => s + p.usdPerHour, 0),
      host: await hostPromise,
      protocols: samples,
    };
    ring.push(snapshot);
    while (ring.length > settings.historySize) ring.shift();
    try {
      options.beforePersist?.(snapshot);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'snapshot not written ahead');
    }
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

  /**
   * Start the due polls (all with `force`), then build the snapshot of `time` once they settle (at most one interval).
   * `slot` is the loop's planned time for this tick; a manual poll has none and stands for the moment it was asked.
   */
  function tick(force: boolean, waitAll: boolean, slot?: number): Promise<Snapshot> {
    // Stamps never go back: a manual poll made between a slot and its late wake-up is not followed by an older time.
    const time = slot === undefined ? clock.now() : Math.max(slot, lastStamp);
    lastStamp = Math.max(lastStamp, time);
    const polls: Promise<void>[] = [];
    // Slots are compared with slots, so this only lets a protocol whose interval is not a multiple of the tick's be
    // polled at the slot nearest its due time rather than one tick later.
    const slack = Math.min(1000, intervalMs() / 10);
    for (const state of states.values()) {
      const due = force || !state.last || time >= state.status.nextPoll - slack;
      if (due || (waitAll && state.polling)) polls.push(startPoll(state, time));
    }
    // A manual poll waits for its polls (each bounded by its deadline); the loop's snapshot waits one interval at most.
    const waitMs = waitAll ? Number.POSITIVE_INFINITY : Math.max(100, intervalMs());
    const previous = assembling;
    const snapshot = (async () => {
      await previous?.catch(() => undefined);
      return assemble(time, polls, waitMs);
    })();
    assembling = snapshot;
    void snapshot
      .finally(() => {
        if (assembling === snapshot) assembling = null;
      })
      .catch(() => undefined);
    return snapshot;
  }

  const intervalMs = () =>
    Math.min(settings.intervals.poll * 1000, ...[...states.values()].map((s) => (s.config.pollInterval ?? Number.POSITIVE_INFINITY) * 1000));

  // Fixed rate on a fixed grid: the next slot is one interval after this one's, however late this tick woke and however
  // long its polls take.
  let nextTickAt = clock.now();
  let lastStamp = Number.NEGATIVE_INFINITY;
  const loop = createLoop({
    name: 'poll',
    clock,
    log,
    intervalMs: () => Math.max(1, nextTickAt - clock.now()),
    signal: options.signal,
    tick: () => {
      const now = clock.now();
      const every = intervalMs();
      // The slot this tick was set for; after a stall of whole intervals, the last slot that passed (the ones in
      // between were missed, and the stored gap says so).
      const slot = now - nextTickAt >= every ? nextTickAt + Math.floor((now - nextTickAt) / every) * every : nextTickAt;
      nextTickAt = slot + every;
      void tick(false, false, slot).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'snapshot failed'));
    },
  });

  const coordinator: Coordinator = {
    pollOnce(opts = {}) {
      // Cycles never overlap: a request while a snapshot is being made gets that snapshot.
      if (assembling) return assembling;
      return tick(opts.force ?? false, true);
    },
    start: () => {
      if (stopper.signal.aborted) stopper = newStopper();
      nextTickAt = clock.now();
      loop.start();
    },
    async stop() {
      await loop.stop();
      // Polls in flight are cut short (their deadline would end them anyway); the snapshot they feed is still made.
      stopper.abort(new OrchaError('ORCHA_ERR_TIMEOUT', 'orcha is stopping'));
      await Promise.all([...states.values()].map((s) => s.polling));
      await assembling?.catch(() => undefined);
      stopper = newStopper();
    },
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

/** Every poll in flight listens on it: one listener per protocol, however many protocols there are. */
function newStopper(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Resolves when every promise settled or after `ms` of real time, whichever is first (the timer is held and cleared). */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  const all = Promise.allSettled(promises);
  if (!Number.isFinite(ms)) {
    await all;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([all, elapsed]);
  clearTimeout(timer);
}
