/**
 * Child process of bench/decision-quality.ts: runs each (market, seed) pair it is sent through every strategy and
 * sends the results back; the parent sends the next pair when one is done (a queue: a worker that drew short runs
 * takes more), and `{ done: true }` when none is left.
 */
import { loadMarket } from './load-market.js';
import { createHighsSolver, runMonth, type RunResult, type StrategyName } from './market-run.js';

export interface WorkerJob {
  strategies: StrategyName[];
  days: number;
  sampleMinutes: number;
  decideEverySamples: number;
}

/** What the parent sends: a [market module path, seed] pair to run, or the end. */
export type WorkerMessage = { run: [string, number] } | { done: true };

const job = JSON.parse(process.env.ORCHA_BENCH_JOB ?? '{}') as WorkerJob;
const solver = createHighsSolver();

async function runPair([path, seed]: [string, number]): Promise<RunResult[]> {
  const market = await loadMarket(path);
  const results: RunResult[] = [];
  for (const strategy of job.strategies) {
    const started = performance.now();
    const r = await runMonth({ market, seed, strategy, days: job.days, sampleMinutes: job.sampleMinutes, decideEverySamples: job.decideEverySamples, solver });
    console.log(
      `  ${market.name} seed ${seed} ${strategy}: ${r.earnedUsd.toFixed(2)} USD, ${r.reallocations} reallocations, ${r.dataDeletedPercent.toFixed(2)} % disk deleted (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    results.push(r);
  }
  return results;
}

process.on('message', (m: WorkerMessage) => {
  if ('done' in m) {
    process.disconnect();
    return;
  }
  runPair(m.run).then(
    (results) => process.send?.(results),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
