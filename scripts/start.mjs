// `npm start`: build what is missing or stale, then run `orcha serve` (simulators when no node is configured).
import { spawnSync } from 'node:child_process';

const built = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const args = process.argv.slice(2);
const r = spawnSync(process.execPath, ['dist/src/cli/index.js', ...(args.length ? args : ['serve'])], { stdio: 'inherit' });
process.exit(r.status ?? 0);
