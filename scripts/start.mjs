// `npm start`: build what is missing or stale, then run `orcha serve` (simulators when no node is configured).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const entry = 'dist/src/cli/index.js';
if (!existsSync(entry) || newest('src') > statSync(entry).mtimeMs) {
  console.log('orcha: building (first start or sources changed)...');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else if (existsSync('scripts/build-web.mjs')) {
  const r = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const args = process.argv.slice(2);
const r = spawnSync(process.execPath, [entry, ...(args.length ? args : ['serve'])], { stdio: 'inherit' });
process.exit(r.status ?? 0);
