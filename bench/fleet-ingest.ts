/**
 * Fleet ingest (issue 18, SPEC §9): N simulated hosts (default 100) with P protocols each (default 6) polling every
 * 5 s post their agents' batches (one every --flush seconds, as `orcha agent` does) to one control plane started
 * through startOrcha, on SQLite and on PostgreSQL. Two phases per store:
 * - steady: real time for --seconds; every host sends its new snapshots each flush. Figures: samples/s stored against
 *   samples/s offered, p50/p99 latency of POST /api/v1/agent/batches.
 * - catch-up: every host replays --backlog minutes of spooled snapshots at once (a link back after an outage), in
 *   batches of 500: the most samples/s the control plane takes, and the p99 of those larger batches.
 * Then the database size of the fleet tables per stored snapshot, scaled to one host-day of 5 s polls.
 * `postgres-2` runs the same with two control-plane replicas on one PostgreSQL schema and one Redis (cache, rate
 * limits, event fan-out), each host posting to one of them in turn (what a load balancer does with its connections).
 * Options: --hosts N --protocols P --seconds S --flush S --backlog MIN --store sqlite|postgres|postgres-2|all
 * (all: the three; both: sqlite and postgres).
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Snapshot } from '../src/domain/sample.js';
import { AGENT_VERSION } from '../src/fleet/agent-version.js';
import { startOrchaInstance, syntheticSnapshot } from './lib/orcha-instance.js';
import { percentile, round, startRun } from './lib/results.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100' },
    protocols: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '30' },
    flush: { type: 'string', default: '10' },
    backlog: { type: 'string', default: '60' },
    store: { type: 'string', default: 'all' },
  },
});
const HOSTS = Number(values.hosts);
const PROTOCOLS = Number(values.protocols);
const SECONDS = Number(values.seconds);
const FLUSH_MS = Number(values.flush) * 1000;
const BACKLOG_MIN = Number(values.backlog);
const POLL_MS = 5000;
const BATCH = 500;
const PG_URL = process.env.ORCHA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.ORCHA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const STORES =
  values.store === 'all' ? ['sqlite', 'postgres', 'postgres-2'] : values.store === 'both' ? ['sqlite', 'postgres'] : [String(values.store)];
const TYPES = ['storj', 'golem', 'mysterium', 'streamr', 'grass', 'http-json'];
const protocols = Array.from({ length: PROTOCOLS }, (_, k) => ({ name: `p${k}`, type: TYPES[k % TYPES.length]! }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const run = startRun('fleet-ingest', `Fleet ingest: ${HOSTS} hosts x ${PROTOCOLS} protocols at 5 s polls into one control plane, and into two replicas`);

async function admin(sql: string): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Phase {
  /** Samples sent. */
  offered: number;
  /** Samples acknowledged as stored. */
  samples: number;
  seconds: number;
  latencies: number[];
  failed: number;
}

async function post(url: string, key: string, batchId: string, snapshots: Snapshot[], phase: Phase): Promise<void> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/agent/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ batchId, agentVersion: AGENT_VERSION, snapshots, spool: { pending: snapshots.length, oldestAt: snapshots[0]!.time } }),
  });
  await res.text();
  phase.latencies.push(performance.now() - started);
  if (res.ok) phase.samples += snapshots.length * PROTOCOLS;
  else phase.failed++;
}

async function measure(storeName: string) {
  const schema = `orcha_bench_fleet_${randomBytes(4).toString('hex')}`;
  const onPostgres = storeName.startsWith('postgres');
  const replicaCount = storeName === 'postgres-2' ? 2 : 1;
  let storage: Record<string, unknown> = {};
  if (onPostgres) {
    await admin(`create schema ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    storage = { url: url.toString() };
  }
  const shared =
    replicaCount > 1
      ? {
          redis: { url: REDIS_URL },
          cache: { store: 'redis' },
          rateLimit: { enabled: true, perIp: 1_000_000, perUser: 1_000_000, store: 'redis' },
        }
      : {};
  // The control plane's own loops poll one simulated node set, as a real one would beside its fleet.
  const replicas: Awaited<ReturnType<typeof startOrchaInstance>>[] = [];
  for (let i = 0; i < replicaCount; i++) replicas.push(await startOrchaInstance({ config: { storage, ...shared } }));
  const orcha = replicas[0]!;
  const urlOf = (h: number) => replicas[h % replicas.length]!.url;
  try {
    const keys: string[] = [];
    for (let h = 0; h < HOSTS; h++) {
      const res = await fetch(`${orcha.url}/api/v1/hosts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: orcha.authorization },
        body: JSON.stringify({ name: `host-${String(h).padStart(4, '0')}` }),
      });
      if (res.status !== 201) throw new Error(`host add: HTTP ${res.status} ${await res.text()}`);
      keys.push(((await res.json()) as { key: string }).key);
    }
    const snapshot = (time: number, i: number) => syntheticSnapshot(time, protocols, i);

    // Steady: each host flushes its last FLUSH_MS of polls, hosts spread evenly over the flush interval.
    const steady: Phase = { offered: 0, samples: 0, seconds: 0, latencies: [], failed: 0 };
    const began = performance.now();
    const start = Date.now() - 3_600_000;
    const inflight: Promise<void>[] = [];
    const perFlush = Math.max(1, Math.round(FLUSH_MS / POLL_MS));
    for (let tick = 0; performance.now() - began < SECONDS * 1000; tick++) {
      for (let h = 0; h < HOSTS; h++) {
        const snaps = Array.from({ length: perFlush }, (_, j) => snapshot(start + (tick * perFlush + j) * POLL_MS, tick * perFlush + j));
        // On an absolute schedule, so that slow answers never lower the rate offered.
        await sleep(Math.max(0, began + (tick * HOSTS + h) * (FLUSH_MS / HOSTS) - performance.now()));
        steady.offered += snaps.length * PROTOCOLS;
        inflight.push(post(urlOf(h), keys[h]!, `steady-${h}-${tick}`, snaps, steady));
      }
    }
    await Promise.all(inflight);
    steady.seconds = (performance.now() - began) / 1000;

    // Catch-up: every host sends its backlog at once (earlier times than the steady phase, so nothing collides).
    const catchUp: Phase = { offered: 0, samples: 0, seconds: 0, latencies: [], failed: 0 };
    const backlog = Math.round((BACKLOG_MIN * 60_000) / POLL_MS);
    const backlogStart = start - backlog * POLL_MS - 60_000;
    const t0 = performance.now();
    await Promise.all(
      keys.map(async (key, h) => {
        for (let i = 0; i < backlog; i += BATCH) {
          const n = Math.min(BATCH, backlog - i);
          const snaps = Array.from({ length: n }, (_, j) => snapshot(backlogStart + (i + j) * POLL_MS, i + j));
          catchUp.offered += n * PROTOCOLS;
          await post(urlOf(h), key, `backlog-${h}-${i}`, snaps, catchUp);
        }
      }),
    );
    catchUp.seconds = (performance.now() - t0) / 1000;

    const stored = (steady.samples + catchUp.samples) / PROTOCOLS;
    let bytes: number;
    if (onPostgres) {
      await admin('checkpoint').catch(() => undefined);
      const r = await admin(
        `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint as bytes from pg_tables where schemaname = '${schema}' and tablename in ('host_snapshots', 'host_protocol_samples', 'agent_batches', 'host_snapshots_hourly', 'host_protocol_hourly')`,
      );
      bytes = Number(r.rows[0]?.bytes ?? 0);
    } else {
      // The file also holds the local host's tables; the fleet's rows dominate it after this run.
      const db = join(orcha.dataDir, 'orcha.db');
      bytes = statSync(db).size + (statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    }
    const perHostDay = (bytes / Math.max(1, stored)) * (86_400_000 / POLL_MS);
    return { storeName, steady, catchUp, stored, bytes, perHostDay };
  } finally {
    for (const r of replicas.reverse()) await r.close();
    if (onPostgres) await admin(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  }
}

const results = [];
for (const s of STORES) results.push(await measure(s));

const offered = (HOSTS * PROTOCOLS * 1000) / POLL_MS;
const rate = (p: Phase) => round(p.samples / p.seconds, 0);
const p = (p: Phase, q: number) => round(percentile(p.latencies, q), 1);
run.finish({
  method: [
    `${HOSTS} hosts created through POST /api/v1/hosts on one control plane (startOrcha, its own loops running); each host's agent is simulated in this process and posts to POST /api/v1/agent/batches with its key.`,
    `Steady: ${SECONDS} s of real time, one batch per host every ${FLUSH_MS / 1000} s (${Math.round(FLUSH_MS / POLL_MS)} snapshots of ${PROTOCOLS} protocols), hosts spread over the interval: ${offered} samples/s offered.`,
    `Catch-up: each host then posts ${BACKLOG_MIN} min of spooled 5 s polls at once, in batches of ${BATCH}, all hosts concurrently.`,
    'Size: the fleet tables on PostgreSQL (pg_total_relation_size, raw and hourly rollups); on SQLite the whole file with its WAL. Per host-day = bytes per stored snapshot x 17,280 polls.',
    'postgres-2: two control planes (two startOrcha in this process) on one PostgreSQL schema and one Redis (cache, rate limits, event fan-out); host N posts to replica N mod 2.',
  ],
  checks: results.flatMap((r) => [
    {
      what: `${r.storeName}: steady samples/s stored`,
      value: rate(r.steady),
      unit: 'samples/s',
      bar: `every sample sent stored (${offered}/s nominal)`,
      met: r.steady.samples === r.steady.offered && r.steady.failed === 0,
    },
    { what: `${r.storeName}: steady p99 ingest latency`, value: p(r.steady, 99), unit: 'ms', bar: 'report', met: null },
    { what: `${r.storeName}: catch-up samples/s`, value: rate(r.catchUp), unit: 'samples/s', bar: 'report', met: null },
    { what: `${r.storeName}: size per host-day`, value: round(r.perHostDay / 2 ** 20, 2), unit: 'MiB', bar: 'report', met: null },
  ]),
  tables: [
    {
      title: 'Per store',
      columns: ['store', 'phase', 'batches', 'failed', 'samples sent', 'samples stored', 'samples/s', 'p50 ms', 'p99 ms'],
      rows: results.flatMap((r) => [
        [r.storeName, 'steady', r.steady.latencies.length, r.steady.failed, r.steady.offered, r.steady.samples, rate(r.steady), p(r.steady, 50), p(r.steady, 99)],
        [r.storeName, 'catch-up', r.catchUp.latencies.length, r.catchUp.failed, r.catchUp.offered, r.catchUp.samples, rate(r.catchUp), p(r.catchUp, 50), p(r.catchUp, 99)],
      ]),
    },
  ],
  caveats: [
    'The simulated agents share this process and its 2 cores with the control plane (and the database): the figures are a floor.',
    'The two replicas of postgres-2 share this process (one event loop, 2 cores): they show that replicas on one database store everything once at the same rate, not that a second machine doubles throughput.',
    'Catch-up latencies are of 500-snapshot batches with all hosts sending at once: they measure queueing, not a single ingest.',
  ],
  raw: results.map((r) => ({ store: r.storeName, storedSnapshots: r.stored, bytes: r.bytes, perHostDayBytes: Math.round(r.perHostDay) })),
});
