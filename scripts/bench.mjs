#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in sequence (each in its own process, so one's memory and sockets never skew the
 * next), then BENCHMARKS.md is rendered from bench/results/*.json. Builds the server first when dist/ is missing or
 * older than src/ (footprint starts the built CLI). Pass names to run a subset: `npm run bench -- api storage`, and
 * options after the names for those benchmarks: `npm run bench -- soak --minutes 30`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ALL = ['decision-quality', 'api', 'websocket', 'storage', 'footprint'];
// The soak runs 30 minutes or more, the net optimizer some 10 minutes: only when asked by name
// (`npm run bench -- soak`, `npm run bench -- net-optimizer`).
const KNOWN = [...ALL, 'soak', 'net-optimizer', 'fleet-ingest'];
// Short names: `npm run bench -- fleet` runs bench/fleet-ingest.ts (minutes, and a PostgreSQL: only when asked).
const ALIASES = { fleet: 'fleet-ingest' };
// Names first, then options, which go to every benchmark named: `npm run bench -- soak --minutes 30`.
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const names = wanted.length > 0 ? wanted.map((n) => ALIASES[n] ?? n) : ALL;
for (const n of names) {
  if (!KNOWN.includes(n)) {
    console.error(`unknown benchmark ${n}; one of ${KNOWN.join(', ')}`);
    process.exit(2);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function run(label, command, args) {
  const started = Date.now();
  console.log(`\n### ${label}`);
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`### ${label}: ${res.status === 0 ? 'done' : `FAILED (exit ${res.status ?? res.signal})`} in ${seconds} s`);
  return res.status === 0;
}

const began = Date.now();
const cli = join(root, 'dist', 'src', 'cli', 'index.js');
if (names.includes('footprint') && (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(join(root, 'src')))) {
  run('build (server)', 'npx', ['tsc', '-p', 'tsconfig.build.json']);
}
const failed = [];
for (const name of names) {
  if (!run(name, process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`), ...options])) failed.push(name);
}
run('report', process.execPath, ['--import', 'tsx', join('bench', 'report.ts')]);
console.log(`\nall benchmarks: ${((Date.now() - began) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
