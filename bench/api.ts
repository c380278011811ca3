/**
 * API (SPEC §10): autocannon in a separate process, 50 connections, 10 s, against the real app's cached
 * `GET /api/v1/dashboard` (authenticated, rate limits raised out of the way) and against a bare Fastify route
 * returning the same JSON, started in the same run; then uncached `GET /api/v1/metrics/history` over 30 days of
 * stored history. Options: --duration S, --connections N.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { LoadJob, LoadSummary } from './lib/load-worker.js';
import { startOrchaInstance, storeHistory, waitForSnapshot } from './lib/orcha-instance.js';
import { median, percentile, round, startRun } from './lib/results.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, warmup: { type: 'string', default: '3' } } });
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const WARMUP = Number(values.warmup);
const HISTORY_DAYS = 30;
const HISTORY_EVERY_MS = 60_000;
const HISTORY_QUERIES = 40;

const run = startRun('api', 'API: cached dashboard vs bare Fastify, history query');

function load(job: LoadJob): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./lib/load-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ORCHA_BENCH_LOAD: JSON.stringify(job) },
    });
    let out: LoadSummary | null = null;
    child.on('message', (m) => {
      out = m as LoadSummary;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && out ? resolve(out) : reject(new Error(`load worker exited with ${code}`))));
  });
}

async function measure(url: string, headers: Record<string, string>): Promise<LoadSummary> {
  if (WARMUP > 0) await load({ url, connections: CONNECTIONS, durationSeconds: WARMUP, headers });
  return load({ url, connections: CONNECTIONS, durationSeconds: DURATION, headers });
}

const now = Date.now();
let storedSnapshots = 0;
const orcha = await startOrchaInstance({
  seed: async (sqlitePath, protocols) => {
    // Ends a minute before now so that live polls never collide with stored times; stays inside raw retention.
    storedSnapshots = await storeHistory(sqlitePath, protocols, now - 60_000, HISTORY_DAYS - 0.05, HISTORY_EVERY_MS);
  },
});
const bare = Fastify({ logger: false });
try {
  await waitForSnapshot(orcha);
  const headers = { authorization: orcha.authorization };
  const dashboardUrl = `${orcha.url}/api/v1/dashboard`;
  const first = await fetch(dashboardUrl, { headers });
  if (!first.ok) throw new Error(`dashboard answered HTTP ${first.status}: ${await first.text()}`);
  const body = (await first.json()) as object;
  const bytes = Buffer.byteLength(JSON.stringify(body));

  bare.get('/dashboard', async () => body);
  const bareUrl = `${await bare.listen({ host: '127.0.0.1', port: 0 })}/dashboard`;

  console.log(`bare Fastify route (${bytes} B of JSON), ${CONNECTIONS} connections, ${DURATION} s ...`);
  const baseline = await measure(bareUrl, {});
  console.log(`  ${round(baseline.requestsPerSecond, 0)} req/s, p99 ${baseline.latencyP99Ms} ms`);
  console.log('orcha cached GET /api/v1/dashboard ...');
  const dashboard = await measure(dashboardUrl, headers);
  console.log(`  ${round(dashboard.requestsPerSecond, 0)} req/s, p99 ${dashboard.latencyP99Ms} ms, non-2xx ${dashboard.non2xx}`);
  await bare.close();

  // Each query asks for a slightly different range, so the cache never answers it: the database does.
  const to = now - 120_000;
  const from = to - HISTORY_DAYS * 86_400_000;
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < HISTORY_QUERIES + 3; i++) {
    const url = `${orcha.url}/api/v1/metrics/history?from=${new Date(from + i * 1000).toISOString()}&to=${new Date(to + i * 1000).toISOString()}&step=1h`;
    const started = performance.now();
    const res = await fetch(url, { headers });
    const json = (await res.json()) as { points?: unknown[]; protocols?: unknown[] };
    const ms = performance.now() - started;
    if (!res.ok) throw new Error(`history answered HTTP ${res.status}: ${JSON.stringify(json)}`);
    if (i >= 3) times.push(ms);
    points = (json.points?.length ?? 0) + (json.protocols?.length ?? 0);
  }

  const ratio = dashboard.requestsPerSecond / baseline.requestsPerSecond;
  const row = (name: string, s: LoadSummary) => [name, round(s.requestsPerSecond, 0), s.latencyP50Ms, s.latencyP99Ms, round(s.latencyMeanMs, 2), s.non2xx + s.errors];
  run.finish({
    method: [
      `autocannon runs in a child process (fork), ${CONNECTIONS} connections, ${DURATION} s per target after a ${WARMUP} s warm-up, against servers in the benchmark's process: first a bare Fastify 5 route (no plugins, no schema) returning the dashboard's JSON (${bytes} bytes), then orcha's GET /api/v1/dashboard.`,
      'orcha is the real composition root (src/main.ts startOrcha): SQLite store, 5 node simulators polled every 5 s, loops running, security on (JWT access token of the first admin in the Authorization header), rate limits raised to 10^8 per minute so they never refuse, response cache (memory) as configured by default.',
      `History: ${storedSnapshots} snapshots x 5 protocols (one per minute over ${HISTORY_DAYS} days) written through the store's batched ingest before start; ${HISTORY_QUERIES} sequential GET /api/v1/metrics/history?step=1h over 30 days, each with a range shifted by one second so the cache never answers (${points} points per answer: the snapshot series plus each protocol's).`,
    ],
    checks: [
      { what: 'dashboard throughput / bare Fastify', value: round(ratio * 100, 1), unit: '%', bar: '>= 80 %', met: ratio >= 0.8 },
      { what: 'dashboard p99 latency at 50 connections', value: dashboard.latencyP99Ms, unit: 'ms', bar: '< 10 ms', met: dashboard.latencyP99Ms < 10 },
      { what: 'dashboard throughput', value: round(dashboard.requestsPerSecond, 0), unit: 'req/s', bar: '—', met: null },
      { what: 'uncached 30-day history, median', value: round(median(times), 1), unit: 'ms', bar: '— (no bar)', met: null },
    ],
    tables: [
      { title: `autocannon, ${CONNECTIONS} connections, ${DURATION} s`, columns: ['target', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'non-2xx + errors'], rows: [row('bare Fastify route', baseline), row('orcha GET /api/v1/dashboard (cached)', dashboard)] },
      {
        title: `uncached GET /api/v1/metrics/history, 30 days, step 1h (${HISTORY_QUERIES} sequential queries)`,
        columns: ['p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'points per answer'],
        rows: [[round(median(times), 1), round(percentile(times, 90), 1), round(percentile(times, 99), 1), round(Math.max(...times), 1), points]],
      },
    ],
    caveats: [
      'Server and load generator share the machine\'s cores, as on a 2-core home server; other processes running at the same time lower both figures alike (the ratio is the fair comparison).',
      `Stored history is one snapshot per minute rather than one per 5 s poll, to keep set-up short; the hourly downsampling answers the same number of points either way.`,
    ],
    raw: { baseline, dashboard, historyMs: times, dashboardBytes: bytes },
  });
} finally {
  await bare.close().catch(() => undefined);
  await orcha.close();
}
