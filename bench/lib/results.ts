/**
 * What every benchmark writes: its figures, the SPEC §10 bar each is judged against, and the machine and date of
 * the run, as `bench/results/<name>.json`. `bench/report.ts` renders these into BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const REPO_ROOT = dirname(BENCH_DIR);

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryTotalMb: number;
  memoryFreeMbAtStart: number;
  node: string;
  platform: string;
  /** 1-minute load average when the benchmark started: other work on the machine makes figures noisy. */
  loadAverage1m: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryTotalMb: Math.round(totalmem() / 2 ** 20),
    memoryFreeMbAtStart: Math.round(freemem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

/** One figure judged against a SPEC §10 bar. `met` is null when the figure has no bar of its own. */
export interface Check {
  what: string;
  value: number | string;
  unit: string;
  bar: string;
  met: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  date: string;
  machine: Machine;
  durationSeconds: number;
  /** How it was measured, in a few sentences (rendered under the table). */
  method: string[];
  checks: Check[];
  /** Tables of detail: column names and rows. */
  tables: { title: string; columns: string[]; rows: (string | number)[][] }[];
  /** Text charts (a curve over time), rendered as preformatted blocks. */
  charts?: { title: string; text: string }[];
  /** Anything that limits the figures (fewer clients than asked, a part not wired yet). */
  caveats: string[];
  raw?: unknown;
}

export function startRun(name: string, title: string) {
  const started = performance.now();
  const date = new Date().toISOString();
  const info = machine();
  return {
    finish(body: Omit<BenchResult, 'name' | 'title' | 'date' | 'machine' | 'durationSeconds'>): BenchResult {
      const result: BenchResult = {
        name,
        title,
        date,
        machine: info,
        durationSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
        ...body,
      };
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = join(RESULTS_DIR, `${name}.json`);
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      printResult(result);
      console.log(`wrote ${file}`);
      return result;
    },
  };
}

export function printResult(r: BenchResult): void {
  console.log(`\n== ${r.title} (${r.durationSeconds} s) ==`);
  for (const c of r.checks) {
    const verdict = c.met === null ? '' : c.met ? '  [met]' : '  [NOT met]';
    console.log(`  ${c.what}: ${c.value} ${c.unit}   bar: ${c.bar}${verdict}`);
  }
  for (const t of r.tables) {
    console.log(`  -- ${t.title}`);
    console.log(`  ${t.columns.join(' | ')}`);
    for (const row of t.rows) console.log(`  ${row.join(' | ')}`);
  }
  for (const c of r.caveats) console.log(`  note: ${c}`);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
