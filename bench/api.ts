/**
 * API (SPEC §10): autocannon in a separate process, 50 connections, 10 s, against the real app's cached
 * `GET /api/v1/dashboard` (authenticated, rate limits raised out of the way) and against a bare Fastify route
 * returning the same JSON, started in the same run; then uncached `GET /api/v1/metrics/history` over 30 days of
 * stored history. The two targets are measured in alternating rounds (bare, orcha, orcha, bare, ...) so that load
 * from other processes on a shared machine falls on both alike; each figure is the median over rounds.
 * Options: --duration S (per round and target), --connections N, --rounds N, --warmup S.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { LoadJob, LoadSummary } from './lib/load-worker.js';
import { startOrchaInstance, storeHistory, waitForSnapshot } from './lib/orcha-instance.js';
import { median, percentile, round, startRun } from './lib/results.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, warmup: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } },
});
const DURATION = Number(values.duration);
const ROUNDS = Math.max(1, Number(values.rounds));
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

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  rounds: LoadSummary[];
}

const measure = (t: Target) => load({ url: t.url, connections: CONNECTIONS, durationSeconds: DURATION, headers: t.headers });

/** The round whose throughput is the median (its own latencies go with it), and the medians over rounds. */
function medianOf(rounds: LoadSummary[]): LoadSummary {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
    latencyMeanMs: median(rounds.map((r) => r.latencyMeanMs)),
    requests: rounds.reduce((s, r) => s + r.requests, 0),
    non2xx: rounds.reduce((s, r) => s + r.non2xx, 0),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    bytesPerSecond: median(rounds.map((r) => r.bytesPerSecond)),
  };
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

  const bareTarget: Target = { name: 'bare Fastify route', url: bareUrl, headers: {}, rounds: [] };
  const orchaTarget: Target = { name: 'orcha cached GET /api/v1/dashboard', url: dashboardUrl, headers, rounds: [] };
  if (WARMUP > 0) {
    for (const t of [bareTarget, orchaTarget]) await load({ url: t.url, connections: CONNECTIONS, durationSeconds: WARMUP, headers: t.headers });
  }
  console.log(`${bytes} B of JSON, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s per target, alternating`);
  const ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // ABBA order: whichever runs second in one round runs first in the next, so a drift in load cancels out.
    const order = i % 2 === 0 ? [bareTarget, orchaTarget] : [orchaTarget, bareTarget];
    for (const t of order) {
      const r = await measure(t);
      t.rounds.push(r);
      console.log(`  round ${i + 1} ${t.name}: ${round(r.requestsPerSecond, 0)} req/s, p99 ${r.latencyP99Ms} ms, non-2xx ${r.non2xx + r.errors}`);
    }
    ratios.push((orchaTarget.rounds[i]?.requestsPerSecond ?? 0) / (bareTarget.rounds[i]?.requestsPerSecond ?? 1));
  }
  const baseline = medianOf(bareTarget.rounds);
  const dashboard = medianOf(orchaTarget.rounds);
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

  // Each round's two targets ran back to back, under the same outside load: the median of their ratios.
  const ratio = median(ratios);
  const row = (name: string, s: LoadSummary) => [name, round(s.requestsPerSecond, 0), s.latencyP50Ms, s.latencyP99Ms, round(s.latencyMeanMs, 2), s.non2xx + s.errors];
  const roundRows = Array.from({ length: ROUNDS }, (_, i) => {
    const b = bareTarget.rounds[i] as LoadSummary;
    const o = orchaTarget.rounds[i] as LoadSummary;
    return [i + 1, round(b.requestsPerSecond, 0), b.latencyP99Ms, round(o.requestsPerSecond, 0), o.latencyP99Ms, round((ratios[i] ?? 0) * 100, 1)];
  });
  run.finish({
    method: [
      `autocannon runs in a child process (fork), ${CONNECTIONS} connections, against servers in the benchmark's process: a bare Fastify 5 route (no plugins, no schema) returning the dashboard's JSON (${bytes} bytes), and orcha's GET /api/v1/dashboard. After a ${WARMUP} s warm-up of each, ${ROUNDS} rounds of ${DURATION} s per target, alternating (bare, orcha, then orcha, bare, ...) so that outside load falls on both alike; the ratio is the median of the per-round ratios, the other figures medians over rounds.`,
      'orcha is the real composition root (src/main.ts startOrcha): SQLite store, 5 node simulators polled every 5 s, loops running, security on (JWT access token of the first admin in the Authorization header), rate limits raised to 10^8 per minute so they never refuse, response cache (memory) as configured by default.',
      `History: ${storedSnapshots} snapshots x 5 protocols (one per minute over ${HISTORY_DAYS} days) written through the store's batched ingest before start; ${HISTORY_QUERIES} sequential GET /api/v1/metrics/history?step=1h over 30 days, each with a range shifted by one second so the cache never answers (${points} points per answer: the snapshot series plus each protocol's).`,
    ],
    checks: [
      { what: 'dashboard throughput / bare Fastify', value: round(ratio * 100, 1), unit: '%', bar: '>= 80 %', met: ratio >= 0.8 },
      { what: 'dashboard p99 latency at 50 connections (median of rounds)', value: dashboard.latencyP99Ms, unit: 'ms', bar: '< 10 ms', met: dashboard.latencyP99Ms < 10 },
      { what: 'bare Fastify p99 latency at 50 connections, same runs (for scale)', value: baseline.latencyP99Ms, unit: 'ms', bar: '—', met: null },
      { what: 'dashboard throughput', value: round(dashboard.requestsPerSecond, 0), unit: 'req/s', bar: '—', met: null },
      { what: 'uncached 30-day history, median', value: round(median(times), 1), unit: 'ms', bar: '— (no bar)', met: null },
    ],
    tables: [
      { title: `autocannon, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${DURATION} s`, columns: ['target', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'non-2xx + errors (all rounds)'], rows: [row('bare Fastify route', baseline), row('orcha GET /api/v1/dashboard (cached)', dashboard)] },
      { title: 'rounds (each pair back to back)', columns: ['round', 'bare req/s', 'bare p99 ms', 'orcha req/s', 'orcha p99 ms', 'orcha / bare %'], rows: roundRows },
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
    raw: { baseline, dashboard, baselineRounds: bareTarget.rounds, dashboardRounds: orchaTarget.rounds, ratios, historyMs: times, dashboardBytes: bytes },
  });
} finally {
  await bare.close().catch(() => undefined);
  await orcha.close();
}
