import { adapterCheckStatus } from '../domain/adapter-status.js';
import type { Executor } from '../executors/types.js';
import type { Health, HealthCheck } from '../http/schemas/views.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Store } from '../store/types.js';
import type { EventBus } from './events.js';
import type { CoordinatorView } from './types.js';

/** Each check gets this long before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;

export interface HealthDeps {
  store: Pick<Store, 'ping' | 'dialect'>;
  coordinator: CoordinatorView;
  executors: Map<string, Executor>;
  /** Redis client when Redis is configured. */
  redis?: { ping(): Promise<unknown> } | null;
  clock: Clock;
  events: EventBus;
}

export interface HealthService {
  /** Every check now: database ping, adapters (from the last polls), executors, Redis when configured. */
  check(): Promise<Health>;
  /**
   * Called after each poll's status update: publishes the full checks on the `health` topic only when an
   * adapter's check changed (a node went down, came back, its breaker half-opened), not at every poll.
   */
  adaptersChanged(): void;
}

async function timed(fn: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, ms: performance.now() - start };
  } catch (err) {
    return { ok: false, ms: performance.now() - start, error: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthService(deps: HealthDeps): HealthService {
  const { store, coordinator, clock } = deps;
  const startedAt = clock.now();
  let lastAdapters = '';

  async function check(): Promise<Health> {
    const checks: HealthCheck[] = [];
    const db = await timed(() => store.ping());
    checks.push({ name: store.dialect, kind: 'database', status: db.ok ? 'up' : 'down', latencyMs: db.ms, ...(db.error ? { detail: db.error } : {}) });
    for (const a of coordinator.status().adapters) {
      checks.push({
        name: a.protocol,
        kind: 'adapter',
        status: adapterCheckStatus(a),
        ...(a.latencyMs !== null ? { latencyMs: a.latencyMs } : {}),
        ...(a.lastError ? { detail: a.lastError } : {}),
      });
    }
    const executorChecks = await Promise.all(
      [...deps.executors.entries()].map(async ([name, ex]): Promise<HealthCheck> => {
        const r = await timed(() => ex.check());
        return { name: `${name}:${ex.type}`, kind: 'executor', status: r.ok ? 'up' : 'down', latencyMs: r.ms, ...(r.error ? { detail: r.error } : {}) };
      }),
    );
    checks.push(...executorChecks);
    const redis = deps.redis;
    if (redis) {
      const r = await timed(() => redis.ping());
      checks.push({ name: 'redis', kind: 'redis', status: r.ok ? 'up' : 'down', latencyMs: r.ms, ...(r.error ? { detail: r.error } : {}) });
    }
    const status = !db.ok ? 'down' : checks.some((c) => c.status !== 'up') ? 'degraded' : 'ok';
    return { status, time: clock.now(), uptimeSeconds: (clock.now() - startedAt) / 1000, checks };
  }

  return {
    check,
    adaptersChanged() {
      const signature = coordinator
        .status()
        .adapters.map((a) => `${a.protocol}=${adapterCheckStatus(a)}`)
        .join(',');
      if (signature === lastAdapters) return;
      lastAdapters = signature;
      void check()
        .then((h) => deps.events.emit('health', h))
        .catch(() => undefined);
    },
  };
}
