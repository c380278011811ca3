/**
 * Storage (SPEC §10), on SQLite and on PostgreSQL (127.0.0.1:5432 db `test`, a throwaway schema): batched ingest
 * rate in protocol samples per second, bytes per 10,000 protocol samples, and a 1-year history query with
 * server-side downsampling over a year kept the way orcha keeps it (hourly rollups, raw rows for the last 30 days).
 * Options: --minutes N (spacing of the stored year, default 5), --dialects sqlite,postgres.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Snapshot } from '../src/domain/sample.js';
import { createStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { syntheticSnapshot } from './lib/orcha-instance.js';
import { median, round, startRun, type Check } from './lib/results.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, dialects: { type: 'string', default: 'sqlite,postgres' } } });
const SPACING_MS = Number(values.minutes) * 60_000;
const DIALECTS = values.dialects.split(',') as ('sqlite' | 'postgres')[];
const PG_URL = process.env.ORCHA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROTOCOLS = ['storj', 'golem', 'mysterium', 'streamr', 'grass'].map((name) => ({ name, type: name }));
const BATCH_SNAPSHOTS = 1000;
const DAY = 86_400_000;
const END = Date.UTC(2026, 0, 1);
const START = END - 365 * DAY;
const QUERY_REPEATS = 20;

const run = startRun('storage', 'Storage: ingest, size, 1-year history');

interface Opened {
  store: Store;
  size(): Promise<number>;
  close(): Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'orcha-bench-store-'));
  const path = join(dir, 'orcha.db');
  const store = await createStore({ sqlitePath: path });
  return {
    store,
    async size() {
      // Settle the write-ahead log into the file first, so that the file holds everything.
      const raw = await createStore({ sqlitePath: path, migrate: false });
      await raw.close();
      let bytes = 0;
      for (const f of [path, `${path}-wal`]) bytes += await stat(f).then((s) => s.size, () => 0);
      return bytes;
    },
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function admin(sql: string): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function openPostgres(): Promise<Opened> {
  const schema = `orcha_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create schema ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const store = await createStore({ url: url.toString() });
  return {
    store,
    async size() {
      await admin('checkpoint').catch(() => undefined);
      const r = await admin(
        `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint as bytes from pg_tables where schemaname = '${schema}' and tablename in ('metrics', 'protocol_metrics', 'protocols', 'allocations')`,
      );
      return Number(r.rows[0]?.bytes ?? 0);
    },
    async close() {
      await store.close();
      await admin(`drop schema if exists ${schema} cascade`);
    },
  };
}

async function timeQuery(store: Store, stepMs: number): Promise<{ medianMs: number; points: number }> {
  const q = { from: START, to: END - 1, stepMs };
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < QUERY_REPEATS + 2; i++) {
    const started = performance.now();
    const [snapshots, protocols] = await Promise.all([store.metrics.history(q), store.metrics.protocolHistory(q)]);
    const ms = performance.now() - started;
    if (i >= 2) times.push(ms);
    points = snapshots.length + protocols.length;
  }
  return { medianMs: median(times), points };
}

interface DialectResult {
  dialect: string;
  samples: number;
  ingestSeconds: number;
  samplesPerSecond: number;
  bytes: number;
  bytesPer10k: number;
  rollupSeconds: number;
  rawDeleted: number;
  yearDaily: { medianMs: number; points: number };
  yearHourly: { medianMs: number; points: number };
}

async function bench(dialect: 'sqlite' | 'postgres'): Promise<DialectResult> {
  const opened = dialect === 'sqlite' ? await openSqlite() : await openPostgres();
  const { store } = opened;
  try {
    let samples = 0;
    let ingestMs = 0;
    let i = 0;
    for (let t = START; t < END; ) {
      const batch: Snapshot[] = [];
      for (; batch.length < BATCH_SNAPSHOTS && t < END; t += SPACING_MS) batch.push(syntheticSnapshot(t, PROTOCOLS, i++));
      const started = performance.now();
      await store.metrics.insertSnapshots(batch);
      ingestMs += performance.now() - started;
      samples += batch.length * PROTOCOLS.length;
    }
    const bytes = await opened.size();
    console.log(`  ${dialect}: ${samples} samples in ${(ingestMs / 1000).toFixed(1)} s; ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    // Keep the year as orcha does: hourly rollups for all of it, raw rows only for the last 30 days.
    const rollStarted = performance.now();
    await store.metrics.rollup({ from: START, to: END });
    const rollupSeconds = (performance.now() - rollStarted) / 1000;
    const rawDeleted = await store.metrics.deleteRawBefore(END - 30 * DAY);
    const yearDaily = await timeQuery(store, DAY);
    const yearHourly = await timeQuery(store, 3_600_000);
    console.log(`  ${dialect}: 1-year query ${yearDaily.medianMs.toFixed(1)} ms (daily), ${yearHourly.medianMs.toFixed(1)} ms (hourly)`);
    return {
      dialect,
      samples,
      ingestSeconds: ingestMs / 1000,
      samplesPerSecond: samples / (ingestMs / 1000),
      bytes,
      bytesPer10k: (bytes / samples) * 10_000,
      rollupSeconds,
      rawDeleted,
      yearDaily,
      yearHourly,
    };
  } finally {
    await opened.close();
  }
}

const results: DialectResult[] = [];
const caveats: string[] = [];
for (const d of DIALECTS) {
  try {
    results.push(await bench(d));
  } catch (err) {
    caveats.push(`${d} could not be measured: ${(err as Error).message}`);
    console.error(`${d} failed:`, err);
  }
}

const MB = 1_000_000;
const checks: Check[] = [];
for (const r of results) {
  const sqlite = r.dialect === 'sqlite';
  checks.push(
    { what: `${r.dialect}: batched ingest`, value: round(r.samplesPerSecond, 0), unit: 'samples/s', bar: sqlite ? '>= 100,000 samples/s (SQLite)' : '— (bar is for SQLite)', met: sqlite ? r.samplesPerSecond >= 100_000 : null },
    { what: `${r.dialect}: 1-year history, daily points`, value: round(r.yearDaily.medianMs, 1), unit: 'ms', bar: '< 20 ms', met: r.yearDaily.medianMs < 20 },
    { what: `${r.dialect}: 1-year history, hourly points`, value: round(r.yearHourly.medianMs, 1), unit: 'ms', bar: '< 20 ms', met: r.yearHourly.medianMs < 20 },
    { what: `${r.dialect}: size per 10,000 protocol samples`, value: round(r.bytesPer10k / MB, 3), unit: 'MB', bar: '< 1 MB', met: r.bytesPer10k < MB },
  );
}

run.finish({
  method: [
    `A year of synthetic polls of 5 protocols, one snapshot every ${SPACING_MS / 60_000} min (${results[0]?.samples ?? '?'} protocol samples plus their snapshot rows), written through the store's insertSnapshots in batches of ${BATCH_SNAPSHOTS} snapshots (${BATCH_SNAPSHOTS * PROTOCOLS.length} protocol samples); ingest rate = protocol samples / time spent in insertSnapshots (snapshot rows included in that time).`,
    'Size: the database after ingest (SQLite: file plus WAL after a checkpoint, indexes included; PostgreSQL: pg_total_relation_size of the metric tables, indexes and TOAST included) divided by the protocol samples, times 10,000.',
    `History: the year is then kept as orcha keeps it (hourly rollups of the whole year, raw rows deleted before the last 30 days, as retention does) and queried like GET /api/v1/metrics/history does (snapshot series and every protocol's series in parallel), with step 1 day and step 1 hour; median of ${QUERY_REPEATS} after 2 warm-ups.`,
    `SQLite: a file in a temp dir (WAL, synchronous=NORMAL as orcha opens it). PostgreSQL: ${PG_URL.replace(/\/\/[^@]*@/, '//')}, a throwaway schema dropped afterwards.`,
  ],
  checks,
  tables: [
    {
      title: 'Per database',
      columns: ['database', 'samples', 'ingest samples/s', 'MB per 10,000 samples', 'rollup of the year s', '1 year, step 1d: ms (points)', '1 year, step 1h: ms (points)'],
      rows: results.map((r) => [
        r.dialect,
        r.samples,
        round(r.samplesPerSecond, 0),
        round(r.bytesPer10k / MB, 3),
        round(r.rollupSeconds, 1),
        `${round(r.yearDaily.medianMs, 1)} (${r.yearDaily.points})`,
        `${round(r.yearHourly.medianMs, 1)} (${r.yearHourly.points})`,
      ]),
    },
  ],
  caveats,
  raw: results,
});
