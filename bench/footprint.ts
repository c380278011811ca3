/**
 * Footprint (SPEC §10): the built server (`node dist/src/cli/index.js serve`) spawned with a temp ORCHA_DATA_DIR
 * and ORCHA_PORT, watching 5 simulated protocols (simulators run in this process, as real nodes would run beside
 * orcha). Start-up = spawn until the first answered GET /api/v1/health, on a fresh data dir and on a restart.
 * Idle memory = the server's resident set after 10 minutes' worth of simulated polling. Options: --speedup N
 * (default 5: the config refuses intervals under 1 s, so poll 5 s / 5 is the fastest the daemon accepts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/lib/clock.js';
import { startSimulators } from '../src/sim/index.js';
import { BENCH_TYPES } from './lib/orcha-instance.js';
import { REPO_ROOT, median, round, startRun } from './lib/results.js';

const { values } = parseArgs({ options: { speedup: { type: 'string', default: '5' }, restarts: { type: 'string', default: '3' } } });
const SPEEDUP = Number(values.speedup);
const RESTARTS = Number(values.restarts);
const SIMULATED_MS = 10 * 60_000;
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');
if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run npm run build:server first`);
  process.exit(1);
}

const run = startRun('footprint', 'Footprint: idle memory and start-up');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

interface Started {
  child: ChildProcess;
  url: string;
  startupMs: number;
}

async function startServer(dataDir: string, configFile: string): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
    cwd: dataDir,
    env: { ...process.env, ORCHA_DATA_DIR: dataDir, ORCHA_PORT: String(port), ORCHA_ADMIN_PASSWORD: 'bench-admin-password-0123', ORCHA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  for (;;) {
    if (exited !== null) throw new Error(`orcha serve exited with ${exited} before answering`);
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500 || res.status === 503) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 30_000) throw new Error('orcha serve did not answer within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, url, startupMs: performance.now() - started };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const sims = await startSimulators({ seed: 11, clock: systemClock, types: BENCH_TYPES });
const dataDir = await mkdtemp(join(tmpdir(), 'orcha-bench-footprint-'));
const configFile = join(dataDir, 'orcha.yaml');
// Every loop runs SPEEDUP times faster than its default, so the work of 10 minutes happens in 10/SPEEDUP minutes.
const intervals = { poll: 5 / SPEEDUP, analyze: 30 / SPEEDUP, decide: 60 / SPEEDUP, push: 5 / SPEEDUP };
writeFileSync(configFile, JSON.stringify({ server: { host: '127.0.0.1' }, protocols: sims.protocols, intervals }, null, 2));

const startups: { kind: string; ms: number }[] = [];
const rssTrace: { seconds: number; rssMb: number }[] = [];
let server: Started | null = null;
try {
  server = await startServer(dataDir, configFile);
  startups.push({ kind: 'first start (new data dir: migrations, first admin)', ms: server.startupMs });
  console.log(`first start: ${server.startupMs.toFixed(0)} ms`);
  const realMs = SIMULATED_MS / SPEEDUP;
  const began = performance.now();
  while (performance.now() - began < realMs) {
    await new Promise((r) => setTimeout(r, 2000));
    rssTrace.push({ seconds: round((performance.now() - began) / 1000, 1), rssMb: round(rssMb(server.child.pid!), 1) });
  }
  const health = await fetch(`${server.url}/api/v1/health`).then((r) => r.json());
  console.log(`after ${SIMULATED_MS / 60_000} simulated minutes: ${rssTrace.at(-1)?.rssMb} MB RSS; health ${JSON.stringify(health).slice(0, 200)}`);
  await stop(server.child);
  for (let i = 0; i < RESTARTS; i++) {
    server = await startServer(dataDir, configFile);
    startups.push({ kind: 'restart (existing data dir)', ms: server.startupMs });
    console.log(`restart: ${server.startupMs.toFixed(0)} ms`);
    await stop(server.child);
  }
} finally {
  if (server) await stop(server.child);
  await sims.close();
  await rm(dataDir, { recursive: true, force: true });
}

const idle = rssTrace.at(-1)?.rssMb ?? Number.NaN;
const peak = Math.max(...rssTrace.map((r) => r.rssMb));
const first = startups[0].ms;
const restart = median(startups.slice(1).map((s) => s.ms));
run.finish({
  method: [
    `The built CLI (npm run build:server) is spawned as \`node dist/src/cli/index.js serve --config <file>\` with a temp ORCHA_DATA_DIR and a free ORCHA_PORT; the config lists 5 protocols (storj, golem, mysterium, streamr, grass) served by the built-in node simulators running in the benchmark's process, so the figure is orcha's own memory.`,
    `Start-up: from spawn to the first answer of GET /api/v1/health (polled every 5 ms), once on a new data dir (creates the SQLite file, runs migrations, hashes the first admin's password) and ${RESTARTS} times on the existing one (median reported).`,
    `Idle memory: resident set (VmRSS from /proc) of the server process after 10 minutes' worth of its loops with no client attached: every interval divided by ${SPEEDUP} (poll ${round(intervals.poll, 3)} s, analyze ${round(intervals.analyze, 2)} s, decide ${round(intervals.decide, 2)} s) for ${SIMULATED_MS / SPEEDUP / 1000} s, i.e. the ${SIMULATED_MS / 5000} polls, ${SIMULATED_MS / 30000} analyses and ${SIMULATED_MS / 60000} decisions of 10 minutes.`,
  ],
  checks: [
    { what: 'RSS idle with 5 protocols after 10 simulated minutes', value: idle, unit: 'MB', bar: '< 80 MB', met: idle < 80 },
    { what: 'start-up to first answered health check (restart, median)', value: round(restart, 0), unit: 'ms', bar: '< 1 s', met: restart < 1000 },
    { what: 'start-up on a new data dir', value: round(first, 0), unit: 'ms', bar: '< 1 s', met: first < 1000 },
    { what: 'peak RSS during the run', value: peak, unit: 'MB', bar: '—', met: null },
  ],
  tables: [
    { title: 'Start-ups', columns: ['kind', 'ms'], rows: startups.map((s) => [s.kind, round(s.ms, 0)]) },
    { title: 'RSS over the run (MB)', columns: ['seconds', 'RSS MB'], rows: rssTrace.filter((_, i) => i % 3 === 2 || i === rssTrace.length - 1).map((r) => [r.seconds, r.rssMb]) },
  ],
  caveats: [
    'Memory is measured with the loops running faster than their defaults; the history ring, caches and database hold the same 10 minutes of data they would at default pace.',
  ],
  raw: { startups, rssTrace, intervals },
});
