/**
 * Serves the built dashboard (web/dist) at `/`, with a single-page-app fallback: any GET that is not an API,
 * WebSocket, docs or metrics path and is not a file gets index.html. Paths under the excluded prefixes that no
 * route matched are handed to the app's own not-found handler, so API clients keep the JSON error shape.
 */
import { existsSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
// Brings in the `hide` schema key the OpenAPI generator understands (types only).
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface DashboardOptions {
  /** Folder holding the built dashboard; default `<repo>/web/dist`. */
  root?: string;
  /** Path prefixes that never fall back to the dashboard. */
  excludePrefixes?: string[];
}

export const DEFAULT_EXCLUDED_PREFIXES = ['/api', '/ws', '/docs', '/metrics'];

/** `<repo>/web/dist`, found from this file both in `src/` (tsx, vitest) and in `dist/src/` (built). */
export function defaultDashboardRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    dir = resolve(dir, '..');
  }
  return resolve('web', 'dist');
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>orcha</title></head>
<body><h1>orcha</h1><p>The dashboard is not built yet. Run <code>npm run build:web</code> (or <code>npm start</code>,
which builds it) and reload. The API is available under <a href="/docs">/docs</a>.</p></body></html>`;

function isExcluded(path: string, prefixes: string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(`${p}/`));
}

/** The path of an existing file inside root, relative to it, or null (never escapes root). */
function fileInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const full = resolve(root, normalize(decoded).replace(/^[/\\]+/, ''));
  if (!full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? full.slice(root.length + 1).split(sep).join('/') : null;
  } catch {
    return null;
  }
}

/**
 * Fastify plugin: `app.register(dashboardPlugin, { root? })`. Register it after the API routes; its `/*` route
 * is the least specific, so every API, docs and WebSocket route still wins.
 */
export async function dashboardPlugin(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = resolve(options.root ?? defaultDashboardRoot());
  const excluded = options.excludePrefixes ?? DEFAULT_EXCLUDED_PREFIXES;
  // serve:false only decorates reply.sendFile (in this plugin's scope); routing stays here so the SPA fallback
  // and the exclusions are explicit.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (isExcluded(path, excluded)) return reply.callNotFound();
      if (!existsSync(join(root, 'index.html'))) {
        return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      }
      const file = path === '/' ? null : fileInside(root, path);
      if (file) {
        // Vite's hashed assets never change under the same name; everything else is revalidated.
        const immutable = file.startsWith('assets/');
        return reply.sendFile(file, root, immutable ? { maxAge: '365d', immutable: true } : { maxAge: 0 });
      }
      // A missing asset is a real 404; any other path is a client-side route of the single-page app.
      if (/\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { maxAge: 0 });
    };

    // The page and its assets are public (the data behind them is not): the app logs in through the API.
    const route = { schema: { hide: true }, config: { role: 'public' as const } };
    scope.get('/', route, handler);
    scope.get('/*', route, handler);
  });
}

export default dashboardPlugin;
