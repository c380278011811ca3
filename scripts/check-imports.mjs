#!/usr/bin/env node
/**
 * Import boundaries between the layers of src/ (docs/architecture.md). Reads every .ts file under src/, resolves
 * each relative import to its top-level folder and fails (exit 1, one line per forbidden arrow) when a layer imports
 * one it may not. Run by `npm run lint`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/**
 * What each layer may import (besides itself and npm packages). A target `http/schemas` allows that subfolder
 * only. `main.ts` (the composition root) may import anything.
 */
export const ALLOWED = {
  lib: [],
  domain: [],
  config: ['lib', 'domain', 'energy/schema', 'energy/validate', 'notifications/config'],
  store: ['lib', 'domain', 'config'],
  adapters: ['lib', 'domain', 'config'],
  executors: ['lib', 'domain', 'config'],
  infra: ['lib'],
  auth: ['lib', 'domain', 'config', 'store', 'infra/redis-link'],
  engine: ['lib', 'domain', 'config', 'store', 'adapters', 'executors', 'notifications/config'],
  energy: ['lib', 'domain', 'config', 'store', 'engine', 'executors', 'adapters'],
  notifications: ['lib', 'domain', 'config', 'store', 'engine'],
  fleet: ['lib', 'domain', 'config', 'store', 'auth', 'infra', 'engine', 'app', 'main', 'energy/energy-point'],
  app: ['lib', 'domain', 'config', 'store', 'adapters', 'executors', 'engine', 'energy', 'notifications', 'infra', 'auth', 'sim', 'http/schemas'],
  http: ['lib', 'domain', 'config', 'store', 'engine', 'energy', 'notifications', 'infra', 'auth', 'app', 'executors', 'adapters', 'fleet'],
  cli: ['lib', 'domain', 'config', 'store', 'engine', 'infra', 'auth', 'app', 'http', 'sim', 'adapters', 'executors', 'energy', 'notifications', 'fleet', 'main'],
  sim: ['lib', 'domain', 'config', 'adapters', 'engine', 'executors', 'store'],
};

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path);
    // Tests may reach across layers to set a scene; the boundaries hold for the product's own code.
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Layer of a path under src/: its first folder, or the file name for files directly in src/. */
function layerOf(src, path) {
  return relative(src, path).split(sep)[0].replace(/\.[jt]s$/, '');
}

/** `target` is `<layer>/<first path part>` without extension (`http/schemas`, `energy/schema`, `main`). */
function allows(from, target) {
  const layer = target.split('/')[0];
  if (from === layer) return true;
  const allowed = ALLOWED[from];
  if (!allowed) return true; // main.ts, the composition root
  return allowed.some((a) => (a.includes('/') ? target === a : layer === a));
}

/** Every forbidden import under `src` (default: this repository's src/), one line each. */
export function violations(src = SRC) {
  const out = [];
  for (const file of files(src)) {
    const from = layerOf(src, file);
    if (from !== 'main' && !ALLOWED[from]) out.push(`${relative(dirname(src), file)}: layer ${from} is not in scripts/check-imports.mjs; add it there and to docs/architecture.md`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec?.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + sep)) continue;
      const rel = relative(src, target).split(sep);
      const to = rel[0].replace(/\.[jt]s$/, '');
      const targetPath = rel.slice(0, 2).join('/').replace(/\.[jt]s$/, '');
      if (!allows(from, targetPath)) {
        out.push(`${relative(dirname(src), file)}: ${from} -> ${to} (${spec}) is not allowed; see docs/architecture.md`);
      }
    }
  }
  return out;
}

const WEB_SRC = join(ROOT, 'web', 'src');
/** Server folders the dashboard may name types from: the domain and the API's shapes. */
export const WEB_TYPES_FROM = ['domain', 'http/schemas'];
const WEB_IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The dashboard (web/src) uses the server's response types instead of guessing them, through type-only imports of
 * src/domain and src/http/schemas; nothing of the server may reach the bundle (a value import), nor may the page
 * lean on any other server folder.
 */
export function webViolations(web = WEB_SRC, src = SRC) {
  const out = [];
  for (const file of files(web)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(WEB_IMPORT)) {
      const spec = m[2] ?? m[3];
      if (!spec?.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + sep)) continue;
      const rel = relative(src, target).split(sep).join('/').replace(/\.[jt]s$/, '');
      const where = `${relative(dirname(dirname(web)), file)}: web -> src/${rel}`;
      if (!m[1]) out.push(`${where} must be a type-only import (\`import type\`): server code never goes into the bundle`);
      else if (!WEB_TYPES_FROM.some((allowed) => rel === allowed || rel.startsWith(`${allowed}/`))) {
        out.push(`${where} is not allowed; the dashboard may name types from ${WEB_TYPES_FROM.map((f) => `src/${f}`).join(' and ')} only`);
      }
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = [...violations(), ...webViolations()];
  for (const line of found) console.error(line);
  if (found.length > 0) {
    console.error(`${found.length} import(s) cross a layer boundary`);
    process.exit(1);
  }
  console.log('import boundaries: ok');
}
