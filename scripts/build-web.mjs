// Builds the dashboard (web/) into web/dist with Vite. Skips at once when web/dist is newer than its sources,
// so `npm start` stays fast after the first build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const web = join(repo, 'web');
const builtIndex = join(web, 'dist', 'index.html');
const sources = [join(web, 'src'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(web, 'tsconfig.json')];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
}

const force = process.argv.includes('--force');
if (!force && existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= Math.max(...sources.map(newest))) {
  process.exit(0);
}

// Vite does not type-check; do it here so a type error fails the build rather than the browser.
if (!process.argv.includes('--no-typecheck')) {
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('build-web: the dashboard has type errors');
    process.exit(r.status ?? 1);
  }
}

const { build } = await import('vite');
await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
console.log('build-web: dashboard built into web/dist');
