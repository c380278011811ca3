/** Child process of bench/decision-quality.ts: runs the given (market, seed) pairs through every strategy. */
import { loadMarket } from './load-market.js';
import { createHighsSolver, runMonth, type RunResult, type StrategyName } from './market-run.js';

export interface WorkerJob {
  /** [market module path, seed] pairs. */
  runs: [string, number][];
  strategies: StrategyName[];
  days: number;
  sampleMinutes: number;
  decideEverySamples: number;
}

const job = JSON.parse(process.env.ORCHA_BENCH_JOB ?? '{}') as WorkerJob;
const solver = createHighsSolver();
const results: RunResult[] = [];
for (const [path, seed] of job.runs) {
  const market = await loadMarket(path);
  for (const strategy of job.strategies) {
    const started = performance.now();
    const r = await runMonth({ market, seed, strategy, days: job.days, sampleMinutes: job.sampleMinutes, decideEverySamples: job.decideEverySamples, solver });
    console.log(
      `  ${market.name} seed ${seed} ${strategy}: ${r.earnedUsd.toFixed(2)} USD, ${r.reallocations} reallocations, ${r.dataDeletedPercent.toFixed(2)} % disk deleted (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    results.push(r);
  }
}
process.send?.(results);
