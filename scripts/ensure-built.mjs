// Build the server and the dashboard when dist/ is missing or older than the sources (npm start, npm test).
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
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!existsSync(entry) || newest('src') > statSync(entry).mtimeMs) {
  console.log('orcha: building the server (first run or sources changed)...');
  run('npm', ['run', '--silent', 'build:server']);
}
// The dashboard build checks its own freshness and returns at once when web/dist is current.
run(process.execPath, ['scripts/build-web.mjs']);
