import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { type ProtocolType, ResourceSharesSchema } from '../domain/resources.js';
import { SIM_CONTROL_PREFIX } from '../executors/types.js';
import type { MarketModel } from './market.js';
import { type SimFault, SimFaultBodySchema, type Simulator } from './types.js';

/**
 * The HTTP shell every simulator shares: routing, control endpoints, the request counter and the fault switches.
 * A simulator only declares its routes (same paths, auth and bodies as the real node) and how its schema drifts.
 */

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type SimReply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; text: string; headers?: Record<string, string> };

export interface SimRoute {
  method: 'GET' | 'POST';
  /** Exact path, or a pattern for paths with ids. */
  path: string | RegExp;
  handle(req: SimRequest, match: RegExpMatchArray | null): SimReply;
}

export interface SimServerOptions {
  name: string;
  type: ProtocolType;
  model: MarketModel;
  routes: SimRoute[];
  /** Rename a field in a JSON answer the way a node upgrade would (fault `schema-drift`). */
  drift(path: string, reply: SimReply): SimReply;
  /** Served counter of the last reply, in token units. */
  lastServed(): number | null;
  /** Delay of the `slow` fault, real milliseconds (network time is real even under a virtual clock). */
  slowMs?: number;
}

const MALFORMED = '{"status": "ok", "data": {"unterminated": [1, 2,';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
      if (data.length > 1_000_000) req.destroy();
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: SimReply): void {
  const status = reply.status ?? 200;
  if ('json' in reply) {
    res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.json));
  } else {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
    res.end(reply.text);
  }
}

export async function startSimServer(options: SimServerOptions): Promise<Simulator> {
  let fault: SimFault | null = null;
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const raw = await readBody(req);
    const method = req.method ?? 'GET';

    if (url.pathname.startsWith(SIM_CONTROL_PREFIX)) return control(url.pathname.slice(SIM_CONTROL_PREFIX.length), method, raw, res);

    requests++;
    if (fault === 'disconnected' || options.model.inOutage()) {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') return; // held until the fault clears the server or it closes
    if (fault === 'http500') return send(res, { status: 500, json: { error: 'internal error (simulated)' } });
    if (fault === 'rate-limited') return send(res, { status: 429, json: { error: 'too many requests' }, headers: { 'retry-after': '60' } });
    if (fault === 'payout') {
      options.model.dropCounter(0.9);
      fault = null;
    }

    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, { status: 400, json: { error: 'invalid JSON body' } });
    }
    const route = options.routes.find(
      (r) => r.method === method && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
    );
    if (!route) return send(res, { status: 404, json: { error: `no route ${method} ${url.pathname}` } });
    const match = typeof route.path === 'string' ? null : url.pathname.match(route.path);
    let reply = route.handle({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body }, match);
    if (fault === 'malformed' && (reply.status ?? 200) < 400) reply = { status: 200, text: MALFORMED, headers: { 'content-type': 'application/json' } };
    if (fault === 'schema-drift') reply = options.drift(url.pathname, reply);
    if (fault === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, reply);
      }, options.slowMs ?? 2_000);
      timers.add(timer);
      return;
    }
    send(res, reply);
  }

  function control(path: string, method: string, raw: string, res: ServerResponse): unknown {
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, { status: 400, json: { error: 'invalid JSON body' } });
    }
    if (path === '/allocation' && method === 'GET') return send(res, { json: options.model.allocation() });
    if (path === '/allocation' && method === 'PUT') {
      if (!Value.Check(ResourceSharesSchema, body)) return send(res, { status: 400, json: { error: 'body must be ResourceShares' } });
      options.model.setAllocation(body);
      res.writeHead(204).end();
      return;
    }
    if (path === '/fault' && method === 'GET') return send(res, { json: { fault } });
    if (path === '/fault' && method === 'PUT') {
      if (!Value.Check(SimFaultBodySchema, body)) return send(res, { status: 400, json: { error: 'body must be {fault}' } });
      fault = body.fault;
      res.writeHead(204).end();
      return;
    }
    if (path === '/stats' && method === 'GET') {
      send(res, { json: { requests, fault, cumulativeTokens: options.model.cumulativeTokens(), usdPerHour: options.model.currentUsdPerHour() } });
      return;
    }
    send(res, { status: 404, json: { error: 'unknown control endpoint' } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, json: { error: String(err) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    name: options.name,
    type: options.type,
    url: `http://127.0.0.1:${port}`,
    model: options.model,
    get requests() {
      return requests;
    },
    fault: () => fault,
    setFault(f) {
      fault = f;
    },
    allocation: () => options.model.allocation(),
    lastServedTokens: options.lastServed,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rename `from` to `to` at a dot path inside a JSON reply (schema drift). */
export function renameField(reply: SimReply, path: string, to: string): SimReply {
  if (!('json' in reply)) return reply;
  const copy = structuredClone(reply.json) as Record<string, unknown>;
  const parts = path.split('.');
  let cur: Record<string, unknown> | undefined = copy;
  for (const p of parts.slice(0, -1)) cur = cur?.[p] as Record<string, unknown> | undefined;
  const last = parts[parts.length - 1]!;
  if (cur && last in cur) {
    cur[to] = cur[last];
    delete cur[last];
  }
  return { ...reply, json: copy };
}

export function bearer(req: SimRequest): string | null {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null;
}

export const unauthorized = (): SimReply => ({ status: 401, json: { error: { code: 'unauthorized', message: 'Unauthorized' }, status: 401 } });
