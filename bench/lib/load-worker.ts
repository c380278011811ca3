/**
 * Child process of bench/api.ts: runs autocannon against one URL (so the load generator never shares an event loop
 * or a core's time slice with the server it measures) and sends back the summary.
 */
import { createRequire } from 'node:module';

export interface LoadJob {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
}

export interface LoadSummary {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  bytesPerSecond: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

const job = JSON.parse(process.env.ORCHA_BENCH_LOAD ?? '{}') as LoadJob;
const r = await autocannon({ url: job.url, connections: job.connections, duration: job.durationSeconds, headers: job.headers ?? {} });
const summary: LoadSummary = {
  requestsPerSecond: r.requests.average,
  latencyP50Ms: r.latency.p50,
  latencyP99Ms: r.latency.p99,
  latencyMeanMs: r.latency.average,
  requests: r.requests.total,
  non2xx: r.non2xx,
  errors: r.errors,
  bytesPerSecond: r.throughput.average,
};
process.send?.(summary);
