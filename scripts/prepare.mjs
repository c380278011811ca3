// Runs after `npm ci` / `npm install`: build once, so that the first `npm start` starts at once.
// Skipped where there is nothing to build (a Docker layer with only package.json, a production install).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('src/cli/index.ts') || !existsSync('node_modules/typescript') || process.env.ORCHA_SKIP_PREPARE_BUILD) {
  process.exit(0);
}
const r = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
