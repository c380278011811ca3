/**
 * Decision quality (SPEC §10): seeded 30-day markets, several seeds, four strategies on the same realisation of each
 * market: the oracle (true response curves, upper bound), orcha's optimizer ('lp') in auto mode through the
 * reallocation engine and its gates, the seeds' greedy method through the same engine, and a static equal split.
 * Markets are modules implementing src/sim/market-module.ts (docs/markets.md); (market, seed) pairs run in child
 * processes. Options: --days N, --seeds N, --workers N, --markets path[,path...].
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { WorkerJob, WorkerMessage } from './lib/decision-worker.js';
import { loadMarket } from './lib/load-market.js';
import type { RunResult, StrategyName } from './lib/market-run.js';
import { type Check, round, startRun } from './lib/results.js';

const DEFAULT_MARKETS = 'src/sim/market-module.ts,src/sim/market-harsh.ts';
const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    seeds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    markets: { type: 'string', default: DEFAULT_MARKETS },
  },
});
const DAYS = Number(values.days);
const SEEDS = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const PATHS = values.markets.split(',').map((p) => p.trim()).filter(Boolean);
const MARKETS = await Promise.all(PATHS.map(loadMarket));
const STRATEGIES: StrategyName[] = ['oracle', 'lp', 'greedy', 'equal'];
const SAMPLE_MINUTES = 15;
const DECIDE_EVERY = 2;
const pairs: [string, number][] = PATHS.flatMap((p) => SEEDS.map((s) => [p, s] as [string, number]));
const WORKERS = Math.max(1, Math.min(Number(values.workers), pairs.length));

const run = startRun('decision-quality', `Decision quality: ${DAYS}-day markets (${MARKETS.map((m) => m.name).join(', ')})`);
console.log(`decision quality: ${MARKETS.length} market(s) x ${SEEDS.length} seeds x ${STRATEGIES.length} strategies, ${DAYS} days, ${WORKERS} worker(s)`);

/** A child process that takes (market, seed) pairs from the shared queue until it is empty. */
function runWorker(queue: [string, number][]): Promise<RunResult[]> {
  const job: WorkerJob = { strategies: STRATEGIES, days: DAYS, sampleMinutes: SAMPLE_MINUTES, decideEverySamples: DECIDE_EVERY };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./lib/decision-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ORCHA_BENCH_JOB: JSON.stringify(job) },
    });
    const out: RunResult[] = [];
    let pending = false;
    const next = () => {
      const run = queue.shift();
      pending = run !== undefined;
      child.send((run ? { run } : { done: true }) satisfies WorkerMessage);
    };
    child.on('message', (m) => {
      out.push(...(m as RunResult[]));
      next();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && !pending ? resolve(out) : reject(new Error(`decision worker exited with ${code}`))));
    next();
  });
}

const queue = [...pairs];
const results = (await Promise.all(Array.from({ length: WORKERS }, () => runWorker(queue)))).flat();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const perMonth = (x: number) => (x * 30) / DAYS;
const checks: Check[] = [];
const tables: { title: string; columns: string[]; rows: (string | number)[][] }[] = [];

for (const market of MARKETS) {
  const get = (seed: number, s: StrategyName) => results.find((r) => r.market === market.name && r.seed === seed && r.strategy === s)!;
  const pct = (seed: number, s: StrategyName) => (100 * get(seed, s).earnedUsd) / get(seed, 'oracle').earnedUsd;
  const meanPct = (s: StrategyName) => mean(SEEDS.map((seed) => pct(seed, s)));
  const worst = (s: StrategyName) => Math.min(...SEEDS.map((seed) => pct(seed, s)));
  const lpPct = meanPct('lp');
  const geGreedy = SEEDS.every((seed) => get(seed, 'lp').earnedUsd >= get(seed, 'greedy').earnedUsd);
  const geEqual = SEEDS.every((seed) => get(seed, 'lp').earnedUsd >= get(seed, 'equal').earnedUsd);
  const deleted = Math.max(...SEEDS.map((seed) => get(seed, 'lp').dataDeletedPercent));
  const m = market.name;
  const bound = SEEDS.every((seed) => STRATEGIES.every((s) => get(seed, s).earnedUsd <= get(seed, 'oracle').earnedUsd));
  checks.push(
    { what: `${m}: orcha ('lp', auto) earnings, % of oracle (mean over seeds)`, value: round(lpPct, 1), unit: '%', bar: '>= 95 % of the oracle', met: lpPct >= 95 },
    { what: `${m}: orcha's worst seed, % of oracle`, value: round(worst('lp'), 1), unit: '%', bar: 'reported', met: null },
    { what: `${m}: orcha at or above the seeds' greedy method on every seed`, value: geGreedy ? 'yes' : 'no', unit: '', bar: '>= greedy', met: geGreedy },
    { what: `${m}: orcha at or above the static equal split on every seed`, value: geEqual ? 'yes' : 'no', unit: '', bar: '>= equal split', met: geEqual },
    { what: `${m}: stored data deleted by orcha (worst seed, % of disk)`, value: round(deleted, 2), unit: '%', bar: '0', met: deleted <= 1e-9 },
    { what: `${m}: the oracle at or above every other strategy on every seed (it is an upper bound)`, value: bound ? 'yes' : 'no', unit: '', bar: 'yes', met: bound },
    { what: `${m}: equal split, % of oracle (mean)`, value: round(meanPct('equal'), 1), unit: '%', bar: 'baseline', met: null },
    { what: `${m}: greedy, % of oracle (mean)`, value: round(meanPct('greedy'), 1), unit: '%', bar: 'baseline', met: null },
  );
  tables.push(
    {
      title: `${m}: per strategy, over seeds`,
      columns: ['strategy', '% of oracle (mean)', 'worst seed %', 'data deleted (% of disk, mean)', 'reallocations per month', 'of which probes', 'projected USD/h per move (mean)', 'true USD/h per move (mean)'],
      rows: STRATEGIES.map((s) => {
        const rs = SEEDS.map((seed) => get(seed, s));
        const moves = rs.reduce((a, r) => a + r.judgedMoves, 0);
        return [
          s,
          round(meanPct(s), 1),
          round(worst(s), 1),
          round(mean(rs.map((r) => r.dataDeletedPercent)), 2),
          round(perMonth(mean(rs.map((r) => r.reallocations))), 1),
          round(perMonth(mean(rs.map((r) => r.explorations))), 1),
          moves > 0 ? round(rs.reduce((a, r) => a + r.projectedUsdPerHour, 0) / moves, 5) : '—',
          moves > 0 ? round(rs.reduce((a, r) => a + r.trueEffectUsdPerHour, 0) / moves, 5) : '—',
        ];
      }),
    },
    {
      title: `${m}: per seed, earnings in USD (% of oracle)`,
      columns: ['seed', ...STRATEGIES],
      rows: SEEDS.map((seed) => [seed, ...STRATEGIES.map((s) => `${round(get(seed, s).earnedUsd, 2)} (${round(pct(seed, s), 1)} %)`)]),
    },
  );
  tables.push({
    title: `${m}: what each node earned, USD (mean over seeds)`,
    columns: ['protocol', ...STRATEGIES],
    rows: market.protocols.map((p) => [p.name, ...STRATEGIES.map((s) => round(mean(SEEDS.map((seed) => get(seed, s).earnedByProtocol[p.name] ?? 0)), 2))]),
  });
  const skipped: Record<string, number> = {};
  for (const seed of SEEDS) for (const [k, v] of Object.entries(get(seed, 'lp').skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  tables.push({ title: `${m}: orcha's skipped decisions by reason (all seeds)`, columns: ['reason', 'count'], rows: Object.entries(skipped).sort((a, b) => b[1] - a[1]) });
}

run.finish({
  method: [
    ...MARKETS.map((m) => `Market \`${m.name}\`: ${m.description}`),
    `Markets are modules implementing the interface in src/sim/market-module.ts (docs/markets.md); \`--markets path[,path]\` runs any such module (a recorded or third-party market) without code changes.`,
    `${DAYS} simulated days on a VirtualClock, driven directly (no HTTP) at one sample per ${SAMPLE_MINUTES} simulated minutes: each sample is what an adapter records (the reported earnings counter's delta as USD/h, with the market's reporting lag, connected or not, the allocation in force, the data stored), stored in a real SQLite store. All strategies start from the same equal split (capacity = 100 - host reserve, divided by the number of protocols) and face the same seeded market.`,
    `orcha ('lp') and the seeds' greedy method run in reallocation.mode auto through the real reallocation engine with the default gates and each protocol type's default profile, deciding every ${SAMPLE_MINUTES * DECIDE_EVERY} simulated minutes from the samples only.`,
    'The oracle knows the true, noise-free response now and ahead (drift, events, demand cycles; bench/lib/oracle-run.ts) and pays the same switching costs (restarts, data deleted), since it moves the same market. Every simulated hour, and at once when an event starts or ends, it searches the true response by hill-climbing in shrinking steps (bench/lib/oracle-polish.ts): single moves of one resource between protocols or free capacity, and joint moves that give one protocol several resources at once (a task slot needs a core and memory; a node needs both to run at all), so it finds its way back to a node an outage emptied. At an event it also starts from the LP on the true curves\' concave envelopes and from the equal split, and keeps the best. It plans on the value of the state, not only the instantaneous rate: it never cuts a storage node below the data it stores (that data earns for the rest of the month and takes weeks to refill), and storage is valued as what a week of filling could store. It moves when the true gain of the new allocation over the next 24 hours, against holding the current one, repays the restarts the move causes. The equal split never moves. Earnings are what the market actually paid over the month.',
    `Seeds ${SEEDS.join(', ')}; percentages are each seed's earnings over the oracle's on the same seed. "true USD/h per move" is the change of the market's noise-free rate an applied (non-probe) move made at once, next to what its plan projected.`,
  ],
  checks,
  tables,
  caveats: [
    `Decisions every ${SAMPLE_MINUTES * DECIDE_EVERY} simulated minutes instead of every minute: with the hold and per-hour limits this changes how soon a move can follow a change, not how many moves are possible per hold period.`,
    'The market issue 15 was measured on is not in this repository; the harsh market is built from the same kinds of facts (shared/protocols.md), not fitted to it.',
  ],
  raw: { seeds: SEEDS, days: DAYS, markets: MARKETS.map((m) => m.name), results },
});
