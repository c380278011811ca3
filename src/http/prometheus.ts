import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PRIORITIES } from '../domain/operation.js';
import { RESOURCES } from '../domain/resources.js';
import { resolveSecret } from '../config/load.js';
import type { MetricsAuth } from '../config/schema.js';
import { OrchaError } from '../lib/errors.js';
import { registerEnergyMetrics } from '../energy/prometheus.js';
import { type App, role } from './route-types.js';
import type { AppServices } from '../app/types.js';

/**
 * `/metrics` in Prometheus text format, from a Registry of this app's own (two apps in one process, as in tests,
 * never share series). Gauges read the services when scraped; latencies are observed as they happen.
 */
const BREAKER_VALUE: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The credentials `metrics.auth` asks of a scraper, its secrets resolved. */
export type MetricsCredentials = { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };

/** Equal without leaking where they differ: digests of equal length, compared in constant time. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Whether the request carries the configured credentials. */
export function metricsAuthorized(header: string | undefined, creds: MetricsCredentials): boolean {
  // An empty secret (an empty file) would match an empty credential: refuse everything instead.
  if (!header || (creds.type === 'bearer' ? !creds.token : !creds.password)) return false;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (creds.type === 'bearer') return scheme === 'bearer' && sameSecret(value, creds.token);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both halves are always compared, so a wrong user name takes as long as a wrong password.
  const userOk = sameSecret(decoded.slice(0, colon), creds.username);
  const passwordOk = sameSecret(decoded.slice(colon + 1), creds.password);
  return userOk && passwordOk;
}

/** `metrics.auth` with its secrets read ({env}/{file} relative to the config's directory); fails closed when unset. */
export function resolveMetricsCredentials(auth: MetricsAuth | undefined, baseDir: string, env: NodeJS.ProcessEnv): MetricsCredentials | undefined {
  if (!auth) return undefined;
  if (auth.type === 'bearer') return { type: 'bearer', token: resolveSecret(auth.token, baseDir, env) ?? '' };
  return { type: 'basic', username: auth.username, password: resolveSecret(auth.password, baseDir, env) ?? '' };
}

export interface PrometheusDeps {
  services: AppServices;
  wsClients: () => number;
  /** `metrics.auth` resolved, read at each scrape (hot reload applies); undefined keeps /metrics public. */
  credentials?: () => MetricsCredentials | undefined;
}

export function registerPrometheus(app: App, deps: PrometheusDeps): Registry {
  const { services } = deps;
  const register = new Registry();
  // prom-client's default set names gauges `*_total`, which promtool rejects: keep our own few process series.
  new Gauge({
    name: 'orcha_process_resident_memory_bytes',
    help: 'Resident set size of the daemon.',
    registers: [register],
    collect() {
      this.set(process.memoryUsage().rss);
    },
  });
  new Gauge({
    name: 'orcha_process_heap_used_bytes',
    help: 'V8 heap in use.',
    registers: [register],
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: 'orcha_process_uptime_seconds',
    help: 'Seconds since the process started.',
    registers: [register],
    collect() {
      this.set(process.uptime());
    },
  });

  const httpDuration = new Histogram({
    name: 'orcha_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [register],
  });
  const pollDuration = new Histogram({
    name: 'orcha_adapter_poll_duration_seconds',
    help: 'Latency of each adapter poll.',
    labelNames: ['protocol'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [register],
  });
  const polls = new Counter({
    name: 'orcha_adapter_polls_total',
    help: 'Adapter polls by outcome.',
    labelNames: ['protocol', 'connected'] as const,
    registers: [register],
  });

  new Gauge({
    name: 'orcha_adapter_breaker_state',
    help: 'Circuit breaker state per adapter: 0 closed, 1 half-open, 2 open.',
    labelNames: ['protocol'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const a of services.coordinator.status().adapters) this.set({ protocol: a.protocol }, BREAKER_VALUE[a.breaker] ?? 0);
    },
  });
  new Gauge({
    name: 'orcha_adapter_error',
    help: 'Why a protocol node is not answering: 1 on the error code of its last failed poll, while it is disconnected.',
    labelNames: ['protocol', 'code'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const a of services.coordinator.status().adapters) {
        if (!a.connected && a.lastErrorCode) this.set({ protocol: a.protocol, code: a.lastErrorCode }, 1);
      }
    },
  });
  new Gauge({
    name: 'orcha_adapter_connected',
    help: '1 when the protocol node answered its last poll.',
    labelNames: ['protocol'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const a of services.coordinator.status().adapters) this.set({ protocol: a.protocol }, a.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orcha_protocol_earnings_usd_per_hour',
    help: 'Earnings rate per protocol at the latest snapshot, USD per hour.',
    labelNames: ['protocol'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const p of services.coordinator.latest()?.protocols ?? []) this.set({ protocol: p.protocol }, p.usdPerHour);
    },
  });
  new Gauge({
    name: 'orcha_earnings_usd_per_hour',
    help: 'Total earnings rate at the latest snapshot, USD per hour.',
    registers: [register],
    collect() {
      this.set(services.coordinator.latest()?.totalUsdPerHour ?? 0);
    },
  });
  new Gauge({
    name: 'orcha_protocol_allocation_percent',
    help: 'Share of each host resource allocated to each protocol, percent.',
    labelNames: ['protocol', 'resource'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const p of services.coordinator.latest()?.protocols ?? []) {
        for (const r of RESOURCES) this.set({ protocol: p.protocol, resource: r }, p.allocation[r]);
      }
    },
  });
  new Gauge({
    name: 'orcha_protocol_resource_use',
    help:
      'Each protocol\'s own use, measured from its container\'s Docker stats: cpu_percent (of one core), memory_bytes, network_bytes_per_second, block_io_bytes_per_second. A protocol or measure not measured has no series (never 0).',
    labelNames: ['protocol', 'measure'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const p of services.coordinator.latest()?.protocols ?? []) {
        const measures: [string, number | null | undefined][] = [
          ['cpu_percent', p.cpuPercent],
          ['memory_bytes', p.memoryBytes],
          ['network_bytes_per_second', p.bandwidthBytesPerSec],
          ['block_io_bytes_per_second', p.blockIoBytesPerSec],
        ];
        for (const [measure, value] of measures) if (value !== null && value !== undefined) this.set({ protocol: p.protocol, measure }, value);
      }
    },
  });
  new Gauge({
    name: 'orcha_alerts_open',
    help: 'Alerts open (not acknowledged, not resolved).',
    registers: [register],
    async collect() {
      try {
        this.set((await services.monitor.alerts({ status: 'open', limit: 1000 })).length);
      } catch {
        // the database is down: leave the last value
      }
    },
  });
  new Gauge({
    name: 'orcha_websocket_clients',
    help: 'Connected WebSocket clients.',
    registers: [register],
    collect() {
      this.set(deps.wsClients());
    },
  });
  new Gauge({
    name: 'orcha_operations_queue_depth',
    help: 'Operations waiting in the queue, by priority.',
    labelNames: ['priority'] as const,
    registers: [register],
    collect() {
      const depth = services.operations.depth();
      for (const p of PRIORITIES) this.set({ priority: p }, depth.byPriority[p]);
    },
  });
  new Gauge({
    name: 'orcha_operations_processing',
    help: 'Operations being processed.',
    registers: [register],
    collect() {
      this.set(services.operations.depth().processing);
    },
  });

  // Counters for `increase()` / `rate()` over any window: they restart at 0 with the process, as Prometheus expects.
  const earnedUsd = new Counter({
    name: 'orcha_earned_usd_total',
    help: 'Earnings in USD since the process started, per protocol (token amounts at the configured prices).',
    labelNames: ['protocol'] as const,
    registers: [register],
  });
  const earnedTokens = new Counter({
    name: 'orcha_earned_tokens_total',
    help: 'Earnings in token units since the process started, per protocol and token.',
    labelNames: ['protocol', 'token'] as const,
    registers: [register],
  });
  registerEnergyMetrics(register, () => services.energy?.current() ?? null);

  const off = services.events.on('metrics', (snapshot) => {
    for (const p of snapshot.protocols) {
      // Always touched, so a protocol shows 0 (not "no data") until it earns.
      earnedUsd.inc({ protocol: p.protocol }, Number.isFinite(p.earnedUsd) ? Math.max(0, p.earnedUsd) : 0);
      earnedTokens.inc({ protocol: p.protocol, token: p.token }, Number.isFinite(p.earnedTokens) ? Math.max(0, p.earnedTokens) : 0);
      pollDuration.observe({ protocol: p.protocol }, p.latencyMs / 1000);
      polls.inc({ protocol: p.protocol, connected: String(p.connected) });
    }
  });

  app.addHook('onClose', async () => off());

  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label so that scanners cannot blow up the series count.
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    { config: role('public'), schema: { tags: ['system'], summary: 'Prometheus metrics (text format)', produces: ['text/plain'] } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const creds = deps.credentials?.();
      if (creds && !metricsAuthorized(request.headers.authorization, creds)) {
        if (creds.type === 'basic') reply.header('www-authenticate', 'Basic realm="orcha metrics", charset="UTF-8"');
        else reply.header('www-authenticate', 'Bearer realm="orcha metrics"');
        throw new OrchaError('ORCHA_ERR_UNAUTHORIZED', 'The metrics endpoint needs the credentials set in metrics.auth');
      }
      reply.type(register.contentType);
      return register.metrics();
    },
  );
  return register;
}
