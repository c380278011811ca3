/**
 * Glue from the real components (store, coordinator, reallocation engine, optimizer strategy, executors) to the
 * `AppServices` the HTTP layer needs, plus the operation handlers and the event plumbing (config changes,
 * operations and snapshots to the WebSocket topics; cache invalidation).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Alert } from '../domain/alert.js';
import type { Reallocation } from '../domain/reallocation.js';
import type { Snapshot } from '../domain/sample.js';
import { buildOptimizerInput } from '../engine/reallocation/optimizer-input.js';
import type { ReallocationEngine } from '../engine/reallocation/engine.js';
import type { EngineState, PlanningStrategy, ReallocationEvent } from '../engine/reallocation/types.js';
import type { Executor } from '../executors/types.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Cache } from '../services/cache.js';
import type { ConfigInvalid, ConfigService } from '../services/config-service.js';
import type { OperationsService } from '../services/operations.js';
import { createPoliciesService } from '../services/policies.js';
import type { AlertsRepository, HistoryQuery, Store, TimeRange } from '../store/types.js';
import { type ExportFormat, exportChunks } from '../engine/monitor/export.js';
import type { ExportFileResult } from './routes/export/index.js';
import type { Dashboard, Health, HealthCheck, Report } from './schemas/views.js';
import { type EventBus, createEventBus } from '../app/events.js';
import type { AppServices, CoordinatorView, MonitorService } from './services.js';

export interface WireDeps {
  store: Store;
  configService: ConfigService;
  clock: Clock;
  log: Logger;
  coordinator: CoordinatorView;
  engine: ReallocationEngine;
  strategy: PlanningStrategy;
  executors: Map<string, Executor>;
  /** What the engine sees (snapshot, health): used to dry-run policies against the current state. */
  engineState: () => EngineState;
  cache: Cache;
  operations: OperationsService;
  /** The bus the engine's onEvent and the coordinator publish to (see `engineEventsTo`). */
  events?: EventBus;
  /** Where export operations write their files. */
  exportDir: string;
  /** Redis client when Redis is configured (health check). */
  redis?: { ping(): Promise<unknown> } | null;
  /** The monitor's own implementations win over the store-based defaults below. */
  monitor?: Partial<MonitorService> & { report?: (range: TimeRange) => Promise<Report> };
  authenticate?: AppServices['authenticate'];
  notifications?: AppServices['notifications'];
  version?: string;
  /** Energy accounting: reports gain power cost and net per protocol. */
  energy?: { enabled(): boolean; report(range: TimeRange): Promise<NonNullable<Report['energy']>> };
}

/** Pass as the reallocation engine's `onEvent`: decisions go to the `reallocations` topic. */
export function engineEventsTo(events: EventBus): (event: ReallocationEvent) => void {
  return (event) => {
    if (event.type === 'reallocation') events.emit('reallocations', event.reallocation);
  };
}

/**
 * Pass as the config service's `onInvalid` when the monitor has no hook of its own: one open `config_invalid`
 * alert while the file stays broken (updated on each new error), published on the `alerts` topic.
 */
export function configInvalidAlert(alerts: AlertsRepository, clock: Clock, events: EventBus): (invalid: ConfigInvalid) => void {
  return (invalid) => {
    void (async () => {
      const now = clock.now();
      const message = `Configuration change rejected (${invalid.source}): ${invalid.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`;
      const details = { source: invalid.source, errors: invalid.errors };
      const existing = await alerts.findActiveByKey('config_invalid');
      let alert: Alert;
      if (existing) {
        alert = { ...existing, message, details, updatedAt: now };
        await alerts.update(existing.id, { message, details, updatedAt: now });
      } else {
        alert = {
          id: randomUUID(),
          type: 'config_invalid',
          severity: 'warning',
          status: 'open',
          dedupKey: 'config_invalid',
          protocol: null,
          message,
          details,
          createdAt: now,
          updatedAt: now,
          acknowledgedAt: null,
          acknowledgedBy: null,
          resolvedAt: null,
        };
        await alerts.insert(alert);
      }
      events.emit('alerts', { change: existing ? 'updated' : 'raised', alert });
    })().catch(() => undefined);
  };
}

async function timed<T>(fn: () => Promise<T>, timeoutMs: number): Promise<{ ok: boolean; ms: number; error?: string }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: performance.now() - start };
  } catch (err) {
    return { ok: false, ms: performance.now() - start, error: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createAppServices(deps: WireDeps): AppServices {
  const { store, configService, clock, engine, coordinator, cache, operations } = deps;
  const events = deps.events ?? createEventBus();
  const startedAt = clock.now();
  const config = () => configService.current();

  const latest = async (): Promise<Snapshot | null> => coordinator.latest() ?? (await store.metrics.latest());

  async function plan() {
    const last = engine.lastPlan();
    if (last) return last;
    try {
      return await engine.analyze();
    } catch (err) {
      deps.log.debug({ err: errorMessage(err) }, 'no plan yet');
      return null;
    }
  }

  const engineService: AppServices['engine'] = {
    plan,
    async opportunities() {
      return (await plan())?.opportunities ?? [];
    },
    async allocation() {
      const p = await plan();
      return { current: engine.current(), optimal: p?.target ?? null, plan: p };
    },
    reallocationHistory: (q) => store.reallocations.list(q),
    async decide(request) {
      const decision = await engine.decide({ trigger: request.trigger, dryRun: request.dryRun });
      return decision.reallocation;
    },
    async planWithPolicies(policies) {
      const state = deps.engineState();
      const input = await buildOptimizerInput({
        config: { ...config(), policies },
        now: clock.now(),
        current: engine.current(),
        snapshot: state.snapshot,
        health: state.health,
        executors: deps.executors,
        metrics: store.metrics,
      });
      return deps.strategy.plan(input);
    },
  };

  const monitor: MonitorService = {
    alerts: deps.monitor?.alerts ?? ((q) => store.alerts.list(q)),
    acknowledge:
      deps.monitor?.acknowledge ??
      (async (ids, by) => {
        const changed: Alert[] = [];
        for (const id of ids) {
          const alert = await store.alerts.get(id);
          if (!alert || alert.status !== 'open') continue;
          const patch = { status: 'acknowledged' as const, acknowledgedAt: clock.now(), acknowledgedBy: by, updatedAt: clock.now() };
          await store.alerts.update(id, patch);
          const updated = { ...alert, ...patch };
          changed.push(updated);
          events.emit('alerts', { change: 'acknowledged', alert: updated });
        }
        return changed;
      }),
    dashboard:
      deps.monitor?.dashboard ??
      (async (): Promise<Dashboard> => {
        const [snapshot, allocation, alerts, reallocations] = await Promise.all([
          latest(),
          engineService.allocation(),
          store.alerts.list({ status: ['open', 'acknowledged'], limit: 50 }),
          store.reallocations.list({ limit: 10 }),
        ]);
        return {
          time: clock.now(),
          totalUsdPerHour: snapshot?.totalUsdPerHour ?? 0,
          mode: config().reallocation.mode,
          snapshot,
          allocation,
          opportunities: allocation.plan?.opportunities ?? [],
          alerts,
          reallocations,
        };
      }),
  };

  const generateReport =
    deps.monitor?.report ??
    (async (range: TimeRange): Promise<Report> => {
      const [totals, uptime, reallocations, halves] = await Promise.all([
        store.metrics.earningsTotals(range),
        store.metrics.averageUptime(range),
        store.reallocations.list({ since: range.from, limit: 10_000 }),
        store.metrics.history({ ...range, stepMs: Math.max(1000, Math.ceil((range.to - range.from) / 2)) }),
      ]);
      const inRange = reallocations.filter((r) => r.createdAt <= range.to && !r.dryRun);
      const measured = inRange.filter((r) => r.measuredAfterUsdPerHour !== null && r.measuredBeforeUsdPerHour !== null);
      const first = halves[0]?.totalUsdPerHour ?? 0;
      const second = halves.at(-1)?.totalUsdPerHour ?? first;
      return {
        from: range.from,
        to: range.to,
        generatedAt: clock.now(),
        totalUsd: totals.reduce((s, t) => s + t.usd, 0),
        protocols: totals.map((t) => ({
          protocol: t.protocol,
          token: t.token,
          usd: t.usd,
          tokens: t.tokens,
          payoutEvents: t.payoutEvents,
          uptime: uptime.find((u) => u.protocol === t.protocol)?.uptime ?? null,
        })),
        reallocations: {
          total: inRange.length,
          applied: inRange.filter((r) => r.status === 'applied').length,
          failed: inRange.filter((r) => r.status === 'failed').length,
          rolledBack: inRange.filter((r) => r.status === 'rolled_back').length,
          measuredGainUsdPerHour: measured.length
            ? measured.reduce((s, r) => s + (r.measuredAfterUsdPerHour! - r.measuredBeforeUsdPerHour!), 0)
            : null,
        },
        trend: { firstHalfUsdPerHour: first, secondHalfUsdPerHour: second, changePercent: first > 0 ? ((second - first) / first) * 100 : null },
        ...(deps.energy?.enabled() ? { energy: await deps.energy.report(range) } : {}),
      };
    });

  async function health(): Promise<Health> {
    const checks: HealthCheck[] = [];
    const db = await timed(() => store.ping(), 2000);
    checks.push({ name: store.dialect, kind: 'database', status: db.ok ? 'up' : 'down', latencyMs: db.ms, ...(db.error ? { detail: db.error } : {}) });
    for (const a of coordinator.status().adapters) {
      const status = a.breaker === 'open' || !a.connected ? 'down' : a.breaker === 'half-open' ? 'degraded' : 'up';
      checks.push({ name: a.protocol, kind: 'adapter', status, ...(a.latencyMs !== null ? { latencyMs: a.latencyMs } : {}), ...(a.lastError ? { detail: a.lastError } : {}) });
    }
    const executorChecks = await Promise.all(
      [...deps.executors.entries()].map(async ([name, ex]) => {
        const r = await timed(() => ex.check(), 2000);
        return { name: `${name}:${ex.type}`, kind: 'executor' as const, status: r.ok ? ('up' as const) : ('down' as const), latencyMs: r.ms, ...(r.error ? { detail: r.error } : {}) };
      }),
    );
    checks.push(...executorChecks);
    if (deps.redis) {
      const r = await timed(() => deps.redis!.ping(), 2000);
      checks.push({ name: 'redis', kind: 'redis', status: r.ok ? 'up' : 'down', latencyMs: r.ms, ...(r.error ? { detail: r.error } : {}) });
    }
    const status = !db.ok ? 'down' : checks.some((c) => c.status !== 'up') ? 'degraded' : 'ok';
    return { status, time: clock.now(), uptimeSeconds: (clock.now() - startedAt) / 1000, checks };
  }

  async function writeExport(id: string, query: HistoryQuery, format: ExportFormat): Promise<ExportFileResult> {
    await mkdir(deps.exportDir, { recursive: true });
    const file = `${id}.${format}`;
    let rows = 0;
    let bytes = 0;
    async function* counted() {
      for await (const page of store.metrics.iterateProtocolRows(query)) {
        rows += page.length;
        yield page;
      }
    }
    const chunks = Readable.from(
      (async function* () {
        for await (const chunk of exportChunks(counted(), format)) {
          bytes += Buffer.byteLength(chunk);
          yield chunk;
        }
      })(),
    );
    await pipeline(chunks, createWriteStream(join(deps.exportDir, file), { mode: 0o600 }));
    return { file, format, rows, bytes };
  }

  operations.register('reallocate', async (params) => {
    const reallocation: Reallocation = await engineService.decide({
      dryRun: params.dryRun === true,
      trigger: 'manual',
      requestedBy: null,
    });
    return reallocation;
  });
  operations.register('report', async (params) => generateReport({ from: Number(params.from), to: Number(params.to) }));
  operations.register('export', async (params, ctx) =>
    writeExport(
      ctx.operation.id,
      { from: Number(params.from), to: Number(params.to), stepMs: params.stepMs as number | undefined, protocol: params.protocol as string | undefined },
      params.format === 'csv' ? 'csv' : 'json',
    ),
  );

  // Reads served from the cache are stale once a new snapshot or config arrives.
  events.on('metrics', () => void cache.clear().catch(() => undefined));
  operations.on('change', (op) => events.emit('operations', op));
  configService.on('change', (change) => {
    void cache.clear().catch(() => undefined);
    events.emit('config', { kind: 'applied', source: change.source, changedKeys: change.changedKeys });
  });
  configService.on('invalid', (invalid) => events.emit('config', { kind: 'rejected', source: invalid.source, errors: invalid.errors }));

  return {
    metrics: {
      latest,
      history: (q) => store.metrics.history(q),
      protocolHistory: (q) => store.metrics.protocolHistory(q),
    },
    coordinator,
    engine: engineService,
    monitor,
    reports: { generate: generateReport },
    exports: { rows: (q) => store.metrics.iterateProtocolRows(q), dir: deps.exportDir },
    config: configService,
    policies: createPoliciesService({ config: configService, planWith: (p) => engineService.planWithPolicies(p) }),
    operations,
    cache,
    health,
    async status() {
      const cfg = config();
      return {
        version: deps.version ?? '0.1.0',
        startedAt,
        uptimeSeconds: (clock.now() - startedAt) / 1000,
        mode: cfg.reallocation.mode,
        strategy: deps.strategy.name,
        coordinator: coordinator.status(),
        queue: operations.depth(),
        websocketClients: 0,
        lastPlanAt: engine.lastPlan()?.createdAt ?? null,
      };
    },
    events,
    authenticate: deps.authenticate,
    notifications: deps.notifications,
  };
}

/** The coordinator as it is (src/engine/coordinator.ts), described by what this glue reads from it. */
export interface CoordinatorLike {
  latest(): Snapshot | null;
  status(): {
    name: string;
    type: string;
    connected: boolean;
    lastSuccess: number | null;
    lastError: string | null;
    breaker: 'closed' | 'open' | 'half-open';
    latencyMs: number | null;
    consecutiveFailures: number;
  }[];
  on(event: 'snapshot', fn: (snapshot: Snapshot) => void): () => void;
}

/**
 * The coordinator seen by the HTTP layer; each new snapshot goes to the `metrics` event (cache invalidation,
 * Prometheus poll latencies). The WebSocket pushes the latest snapshot on its own interval.
 */
export function coordinatorView(coordinator: CoordinatorLike, events: EventBus, running: () => boolean = () => true): CoordinatorView {
  let polls = 0;
  let lastPollAt: number | null = null;
  coordinator.on('snapshot', (snapshot) => {
    polls++;
    lastPollAt = snapshot.time;
    events.emit('metrics', snapshot);
  });
  return {
    latest: () => coordinator.latest(),
    status: () => ({
      running: running(),
      lastPollAt,
      polls,
      adapters: coordinator.status().map((s) => ({
        protocol: s.name,
        type: s.type,
        connected: s.connected,
        breaker: s.breaker,
        lastError: s.lastError,
        latencyMs: s.latencyMs,
        lastSuccessAt: s.lastSuccess,
        consecutiveFailures: s.consecutiveFailures,
      })),
    }),
  };
}
