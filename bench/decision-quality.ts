/**
 * Decision quality (SPEC §10): a seeded 30-day simulated market, 5 seeds, four strategies on the same market
 * realisation: the oracle (true response curves, upper bound), orcha's optimizer ('lp') in auto mode through the
 * reallocation engine and its gates, the seeds' greedy method through the same engine, and a static equal split.
 * Seeds run in two child processes (2 cores). Options: --days N, --seeds N.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { WorkerJob } from './lib/decision-worker.js';
import type { RunResult, StrategyName } from './lib/market-run.js';
import { round, startRun } from './lib/results.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '30' }, seeds: { type: 'string', default: '5' }, workers: { type: 'string', default: '2' } } });
const DAYS = Number(values.days);
const SEEDS = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const STRATEGIES: StrategyName[] = ['oracle', 'lp', 'greedy', 'equal'];
const SAMPLE_MINUTES = 15;
const DECIDE_EVERY = 2;
const WORKERS = Math.max(1, Math.min(Number(values.workers), SEEDS.length));

const run = startRun('decision-quality', 'Decision quality: 30-day simulated market');
console.log(`decision quality: ${SEEDS.length} seeds x ${STRATEGIES.length} strategies, ${DAYS} days, ${WORKERS} worker(s)`);

function runWorker(seeds: number[]): Promise<RunResult[]> {
  const job: WorkerJob = { seeds, strategies: STRATEGIES, days: DAYS, sampleMinutes: SAMPLE_MINUTES, decideEverySamples: DECIDE_EVERY };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./lib/decision-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ORCHA_BENCH_JOB: JSON.stringify(job) },
    });
    let out: RunResult[] | null = null;
    child.on('message', (m) => {
      out = m as RunResult[];
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && out ? resolve(out) : reject(new Error(`decision worker exited with ${code}`))));
  });
}

const groups: number[][] = Array.from({ length: WORKERS }, () => []);
SEEDS.forEach((s, i) => {
  groups[i % WORKERS].push(s);
});
const results = (await Promise.all(groups.map(runWorker))).flat();

const get = (seed: number, s: StrategyName) => results.find((r) => r.seed === seed && r.strategy === s)!;
const pctOfOracle = (seed: number, s: StrategyName) => (100 * get(seed, s).earnedUsd) / get(seed, 'oracle').earnedUsd;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanPct = (s: StrategyName) => mean(SEEDS.map((seed) => pctOfOracle(seed, s)));
const total = (s: StrategyName) => SEEDS.reduce((sum, seed) => sum + get(seed, s).earnedUsd, 0);

const lpPct = meanPct('lp');
const lpBeatsGreedy = SEEDS.every((seed) => get(seed, 'lp').earnedUsd > get(seed, 'greedy').earnedUsd);
const lpBeatsEqual = SEEDS.every((seed) => get(seed, 'lp').earnedUsd > get(seed, 'equal').earnedUsd);
const skippedLp: Record<string, number> = {};
for (const seed of SEEDS) for (const [k, v] of Object.entries(get(seed, 'lp').skipped)) skippedLp[k] = (skippedLp[k] ?? 0) + v;

run.finish({
  method: [
    `The market is src/sim/market.ts (the simulators' own model): 5 protocols (storj, golem, mysterium, streamr, grass) with concave per-resource response curves, resource time constants (cpu/memory minutes, bandwidth hours, storage weeks), a seeded daily price drift and hourly noise. Scheduled events: a price shock on golem (x0.35 for 3 days, ~day ${Math.round(DAYS * 0.2)}), a 10-hour mysterium node outage (~day ${Math.round(DAYS * 0.35)}), and from mid-month (~day ${Math.round(DAYS * 0.5)}) grass, the smallest earner, becoming 5x more profitable.`,
    `${DAYS} simulated days on a VirtualClock, driven directly (no HTTP) at one sample per ${SAMPLE_MINUTES} simulated minutes: each sample is what an adapter records (the earnings counter's delta as USD/h, connected or not, the allocation in force), stored in a real SQLite store. All strategies start from the same equal split (capacity = 100 - host reserve, divided by 5) and face the same seeded market.`,
    `orcha ('lp') and the seeds' greedy method run in reallocation.mode auto through the real reallocation engine with the default gates (min improvement 5 % and 0.001 USD/h, confidence 0.7, 4 per hour, 60 min hold, pre-flight health), deciding every ${SAMPLE_MINUTES * DECIDE_EVERY} simulated minutes (orcha's default is every minute; coarser here to finish in minutes) from the samples only. Exploration is on (default).`,
    'The oracle knows the true, noise-free response curves at the current time (drift and events included) and applies its optimum (oracleStrategy) without gates every 2 simulated hours and at once when an event starts or ends. The equal split never moves. Earnings are what the market model actually paid over the month (lag, noise and outages included).',
    `Seeds ${SEEDS.join(', ')}; percentages are each seed's earnings over the oracle's on the same seed, averaged.`,
  ],
  checks: [
    { what: "orcha ('lp', auto) earnings, % of oracle (mean over seeds)", value: round(lpPct, 1), unit: '%', bar: '>= 98 % of the oracle', met: lpPct >= 98 },
    { what: "orcha above the seeds' greedy method on every seed", value: lpBeatsGreedy ? 'yes' : 'no', unit: '', bar: 'above greedy', met: lpBeatsGreedy },
    { what: 'orcha above the static equal split on every seed', value: lpBeatsEqual ? 'yes' : 'no', unit: '', bar: 'above equal split', met: lpBeatsEqual },
    { what: 'greedy earnings, % of oracle (mean)', value: round(meanPct('greedy'), 1), unit: '%', bar: 'baseline', met: null },
    { what: 'equal split earnings, % of oracle (mean)', value: round(meanPct('equal'), 1), unit: '%', bar: 'baseline', met: null },
  ],
  tables: [
    {
      title: 'Per strategy, summed over seeds',
      columns: ['strategy', 'earnings (USD, all seeds)', '% of oracle (mean)', 'reallocations (mean per month)', 'of which exploration'],
      rows: STRATEGIES.map((s) => [
        s,
        round(total(s), 2),
        round(meanPct(s), 1),
        round(mean(SEEDS.map((seed) => get(seed, s).reallocations)), 1),
        round(mean(SEEDS.map((seed) => get(seed, s).explorations)), 1),
      ]),
    },
    {
      title: 'Per seed: earnings in USD (% of oracle)',
      columns: ['seed', ...STRATEGIES],
      rows: SEEDS.map((seed) => [seed, ...STRATEGIES.map((s) => `${round(get(seed, s).earnedUsd, 2)} (${round(pctOfOracle(seed, s), 1)} %)`)]),
    },
    {
      title: "orcha's skipped decisions by reason (all seeds)",
      columns: ['reason', 'count'],
      rows: Object.entries(skippedLp).sort((a, b) => b[1] - a[1]),
    },
  ],
  caveats: [
    `Decisions every ${SAMPLE_MINUTES * DECIDE_EVERY} simulated minutes instead of every minute: with the 60-minute hold and 4 per hour limit this changes how soon a move can follow a change, not how many moves are possible per hold period.`,
    'The protocols are configured with default limits (0-100 % of every resource) and no hints about which resources each one uses: the optimizer has to learn that from samples.',
  ],
  raw: { seeds: SEEDS, days: DAYS, results },
});
