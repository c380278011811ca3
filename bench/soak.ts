/**
 * Soak (issue 12): the built daemon (`node dist/src/cli/index.js serve`) at its default intervals for --minutes
 * (default 30) against the node simulators and every misbehaving node at once (test/misbehaving/nodes.ts: hang, drip,
 * endless body, gzip bomb, deep nesting, redirect loop, ...), both running in this process so that the figures are
 * orcha's own. Every --every seconds it samples the daemon's RSS (/proc) and V8 heap (/metrics), and checks that it
 * still answers and still polls. Bar: RSS and heap grow under 5 % over the last 20 minutes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/lib/clock.js';
import { startSimulators } from '../src/sim/index.js';
import { MISBEHAVIOURS, startMisbehavingNodes } from '../test/misbehaving/nodes.js';
import { REPO_ROOT, median, round, startRun } from './lib/results.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '30' }, every: { type: 'string', default: '15' }, history: { type: 'string' } },
});
// --history N: keep N snapshots in memory instead of the default 1,000 (a diagnostic: at 5 s polls the default
// history takes 83 minutes to fill, and the heap grows with it until then).
const HISTORY = values.history === undefined ? undefined : Number(values.history);
if (HISTORY !== undefined && !(Number.isInteger(HISTORY) && HISTORY >= 1 && HISTORY <= 100_000)) {
  console.error(`--history: expected a whole number of snapshots from 1 to 100000, got ${values.history}`);
  process.exit(2);
}
const MINUTES = Number(values.minutes);
const EVERY_S = Number(values.every);
if (!Number.isFinite(MINUTES) || MINUTES < 2 || MINUTES > 24 * 60) {
  console.error(`--minutes: expected a number of minutes from 2 to 1440 (30 for the issue-12 bar), got ${values.minutes}`);
  process.exit(2);
}
if (!Number.isFinite(EVERY_S) || EVERY_S < 1 || EVERY_S * 4 > MINUTES * 60) {
  console.error(`--every: expected seconds from 1 to a quarter of the run, got ${values.every}`);
  process.exit(2);
}
const WINDOW_MIN = Math.min(20, MINUTES);
const PASSWORD = 'bench-admin-password-0123';
/** How long the harness waits for one answer of the daemon before counting the sample as missed. */
const SAMPLE_TIMEOUT_MS = 30_000;
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(join(REPO_ROOT, 'src'))) {
  console.log('building the server (dist/ is missing or older than src/)');
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}

const run = startRun('soak', `Soak: ${MINUTES} minutes at default intervals beside misbehaving nodes`);

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

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;

async function heapMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) })).text();
  const m = /^orcha_process_heap_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : Number.NaN;
}

interface Point {
  minute: number;
  rssMb: number;
  heapMb: number;
  polls: number;
  healthy: number;
  healthStatus: number;
}

const sims = await startSimulators({ seed: 13, clock: systemClock });
const bad = await startMisbehavingNodes();
const dataDir = await mkdtemp(join(tmpdir(), 'orcha-bench-soak-'));
const configFile = join(dataDir, 'orcha.yaml');
// Default intervals, default timeouts: the config lists the nodes and nothing else.
const soakConfig = {
  server: { host: '127.0.0.1' },
  protocols: [...sims.protocols, ...bad.protocols()],
  ...(HISTORY === undefined ? {} : { coordinator: { historySize: HISTORY } }),
};
writeFileSync(configFile, JSON.stringify(soakConfig, null, 2));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
  cwd: dataDir,
  env: { ...process.env, ORCHA_DATA_DIR: dataDir, ORCHA_PORT: String(port), ORCHA_ADMIN_PASSWORD: PASSWORD, ORCHA_LOG_LEVEL: 'error' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let exitCode: number | null = null;
child.once('exit', (code) => {
  exitCode = code ?? -1;
});

const points: Point[] = [];
const missed: { minute: number; reason: string }[] = [];
let authorization = '';
const began = performance.now();
try {
  for (;;) {
    if (exitCode !== null) throw new Error(`orcha serve exited with ${exitCode} at start`);
    const ok = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status < 500 || r.status === 503,
      () => false,
    );
    if (ok) break;
    if (performance.now() - began > 60_000) throw new Error('orcha serve did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Access tokens live 15 minutes: log in again every 10.
  const login = async () => {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    authorization = `Bearer ${((await res.json()) as { accessToken: string }).accessToken}`;
  };
  await login();
  let loggedInAt = performance.now();
  const started = performance.now();
  while (performance.now() - started < MINUTES * 60_000) {
    await new Promise((r) => setTimeout(r, EVERY_S * 1000));
    if (exitCode !== null) throw new Error(`orcha serve exited with ${exitCode} after ${((performance.now() - started) / 60_000).toFixed(1)} min`);
    if (performance.now() - loggedInAt > 10 * 60_000) {
      await login();
      loggedInAt = performance.now();
    }
    // A request of the harness that fails or times out is a missed sample, counted and shown, never the end of the run
    // (on a loaded machine a 5 s timeout once ended a 78-minute run).
    try {
      const health = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) });
      await health.arrayBuffer();
      const status = (await (await fetch(`${url}/api/v1/status`, { headers: { authorization }, signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) })).json()) as {
        coordinator: { polls: number; adapters: { protocol: string; connected: boolean }[] };
      };
      const point: Point = {
        minute: round((performance.now() - started) / 60_000, 2),
        rssMb: round(rssMb(child.pid!), 1),
        heapMb: round(await heapMb(url), 1),
        polls: status.coordinator.polls,
        healthy: status.coordinator.adapters.filter((a) => a.connected && !a.protocol.startsWith('bad-')).length,
        healthStatus: health.status,
      };
      points.push(point);
      console.log(`${point.minute.toFixed(1)} min: RSS ${point.rssMb} MB, heap ${point.heapMb} MB, ${point.polls} snapshots, ${point.healthy} healthy nodes connected`);
    } catch (err) {
      const minute = round((performance.now() - started) / 60_000, 2);
      missed.push({ minute, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      console.log(`${minute.toFixed(1)} min: sample missed (${missed[missed.length - 1]!.reason})`);
    }
  }
} finally {
  if (exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await bad.close();
  await sims.close();
  await rm(dataDir, { recursive: true, force: true });
}

if (points.length < 2) {
  console.error(`soak: only ${points.length} of its samples were answered (${missed.length} missed); nothing to report`);
  process.exit(1);
}
// Growth over the last WINDOW_MIN minutes: the median of the minute at each end, so one GC's timing does not decide it.
const end = points[points.length - 1]!.minute;
const at = (from: number, to: number, key: 'rssMb' | 'heapMb') => median(points.filter((p) => p.minute >= from && p.minute <= to).map((p) => p[key]));
const growth = (key: 'rssMb' | 'heapMb') => {
  const first = at(end - WINDOW_MIN, end - WINDOW_MIN + 1, key);
  const last = at(end - 1, end, key);
  return { first, last, percent: round(((last - first) / first) * 100, 2) };
};
const rss = growth('rssMb');
const heap = growth('heapMb');
const pollsPerMinute = round((points[points.length - 1]!.polls - points[0]!.polls) / (end - points[0]!.minute), 1);

/** A text chart of one series: one row per sample shown, a bar scaled between the series' min and max. */
function chart(key: 'rssMb' | 'heapMb', rows = 30): string {
  const step = Math.max(1, Math.ceil(points.length / rows));
  const shown = points.filter((_, i) => i % step === 0 || i === points.length - 1);
  const lo = Math.min(...points.map((p) => p[key]));
  const hi = Math.max(...points.map((p) => p[key]));
  return shown
    .map((p) => `${p.minute.toFixed(1).padStart(5)} min ${p[key].toFixed(1).padStart(6)} MB |${'#'.repeat(1 + Math.round(((p[key] - lo) / Math.max(1e-9, hi - lo)) * 50))}`)
    .join('\n');
}

run.finish({
  method: [
    `The built CLI is spawned as \`node dist/src/cli/index.js serve --config <file>\` with default intervals and timeouts; the config lists the ${sims.protocols.length} built-in node simulators and ${MISBEHAVIOURS.length} misbehaving nodes (${MISBEHAVIOURS.join(', ')}), all served from the benchmark's own process.`,
    `Every ${EVERY_S} s: the daemon's resident set (VmRSS from /proc), its V8 heap in use (orcha_process_heap_used_bytes from /metrics), GET /api/v1/health, and the snapshot count and connected healthy nodes from GET /api/v1/status.`,
    `The in-memory history (coordinator.historySize, default 1,000 snapshots) fills for its first 1,000 polls (83 minutes at 5 s): while it fills, the heap grows by what each snapshot holds (measured at about 13 KB for these 21 protocols), so a run shorter than about 105 minutes measures that fill in its last ${WINDOW_MIN} minutes, not a leak.`,
    `Growth over the last ${WINDOW_MIN} minutes compares the median of the samples in the first minute of that window with the median of the last minute.`,
    ...(HISTORY === undefined ? [] : [`Diagnostic run: coordinator.historySize ${HISTORY} instead of the default 1,000.`]),
  ],
  checks: [
    { what: `RSS growth over the last ${WINDOW_MIN} minutes`, value: rss.percent, unit: '%', bar: '< 5 %', met: rss.percent < 5 },
    { what: `V8 heap growth over the last ${WINDOW_MIN} minutes`, value: heap.percent, unit: '%', bar: '< 5 %', met: heap.percent < 5 },
    { what: 'RSS at the end', value: round(rss.last, 1), unit: 'MB', bar: '—', met: null },
    { what: 'peak RSS', value: Math.max(...points.map((p) => p.rssMb)), unit: 'MB', bar: '—', met: null },
    { what: 'snapshots per minute (default poll 5 s: 12)', value: pollsPerMinute, unit: '', bar: '—', met: null },
    {
      what: 'health answered 200 at every sample',
      value: missed.length === 0 && points.every((p) => p.healthStatus === 200) ? 'yes' : 'no',
      unit: '',
      bar: 'daemon stays up',
      met: missed.length === 0 && points.every((p) => p.healthStatus === 200),
    },
    {
      what: `samples missed (no answer within ${SAMPLE_TIMEOUT_MS / 1000} s${missed.length > 0 ? `; first at minute ${missed[0]!.minute}: ${missed[0]!.reason}` : ''})`,
      value: missed.length,
      unit: '',
      bar: '0',
      met: missed.length === 0,
    },
  ],
  tables: [
    {
      title: `Over the run (every ${Math.max(1, Math.round(points.length / 16))}th sample)`,
      columns: ['minute', 'RSS MB', 'heap MB', 'snapshots', 'healthy nodes connected', 'health'],
      rows: points
        .filter((_, i) => i % Math.max(1, Math.round(points.length / 16)) === 0 || i === points.length - 1)
        .map((p) => [p.minute, p.rssMb, p.heapMb, p.polls, p.healthy, p.healthStatus]),
    },
  ],
  charts: [
    { title: 'RSS over the run', text: chart('rssMb') },
    { title: 'V8 heap in use over the run', text: chart('heapMb') },
  ],
  caveats: MINUTES < 30 ? [`A short run (${MINUTES} min): the bar is judged over ${WINDOW_MIN} minutes, not 20.`] : [],
  raw: { points, rss, heap },
});
