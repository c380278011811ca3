import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Where the real response bodies live (see fixtures/README.md). */
export const FIXTURES_DIR = process.env.ORCHA_FIXTURES_DIR ?? '/work/shared/fixtures';

export function fixtureText(rel: string): string {
  return readFileSync(join(FIXTURES_DIR, rel), 'utf8');
}

export interface ServedBody {
  status?: number;
  body: string;
  contentType?: string;
  method?: string;
}

export interface BodyServer {
  url: string;
  /** Replace what a path serves. */
  set(path: string, body: ServedBody): void;
  hits(path: string): number;
  close(): Promise<void>;
}

/** A tiny server that answers fixed bodies per path (fixture files, or a fixture with a field removed). */
export async function serveBodies(initial: Record<string, ServedBody> = {}): Promise<BodyServer> {
  const routes = new Map(Object.entries(initial));
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    req.resume();
    const route = routes.get(path);
    if (!route || (route.method && route.method !== req.method)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': route.contentType ?? 'application/json' }).end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, body) => void routes.set(path, body),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** JSON text of `value` with the field at `path` (dot path) removed or replaced. */
export function withField(json: string, path: string, replacement?: unknown): string {
  const value = JSON.parse(json) as Record<string, unknown>;
  const parts = path.split('.');
  let cur = value as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (replacement === undefined) delete cur[last];
  else cur[last] = replacement;
  return JSON.stringify(value);
}
