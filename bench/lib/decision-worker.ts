/** Child process of bench/decision-quality.ts: runs the given seeds through every strategy and sends the results. */
import { createHighsSolver, runMonth, type RunResult, type StrategyName } from './market-run.js';

export interface WorkerJob {
  seeds: number[];
  strategies: StrategyName[];
  days: number;
  sampleMinutes: number;
  decideEverySamples: number;
}

const job = JSON.parse(process.env.ORCHA_BENCH_JOB ?? '{}') as WorkerJob;
const solver = createHighsSolver();
const results: RunResult[] = [];
for (const seed of job.seeds) {
  for (const strategy of job.strategies) {
    const started = performance.now();
    const r = await runMonth({ seed, strategy, days: job.days, sampleMinutes: job.sampleMinutes, decideEverySamples: job.decideEverySamples, solver });
    console.log(`  seed ${seed} ${strategy}: ${r.earnedUsd.toFixed(2)} USD, ${r.reallocations} reallocations (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    results.push(r);
  }
}
process.send?.(results);
