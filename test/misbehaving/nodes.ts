import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip } from 'node:zlib';

/**
 * Node servers that misbehave in every way seen in the field (or feared at 3 a.m.), one server per behaviour, each
 * answering every path the same way. Used by the misbehaving-node tests and the soak benchmark. Each entry says what
 * an operator should see for it, as a pattern over the reason orcha reports.
 */

export const MISBEHAVIOURS = [
  'hang',
  'drip',
  'endless',
  'gzip-bomb',
  'deep-nesting',
  'redirect-loop',
  'html-500',
  'nan-infinity',
  'nulls',
  'numbers-as-strings',
  'negative',
  'absurd',
  'wrong-top-level',
  'flapping',
  'connection-reset',
] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

/** The reason orcha must give for each (ORCHA error code, and a pattern over the message). */
export const EXPECTED_REASON: Record<Misbehaviour, { code: string; message: RegExp }> = {
  hang: { code: 'ORCHA_ERR_TIMEOUT', message: /no answer/ },
  drip: { code: 'ORCHA_ERR_TIMEOUT', message: /no answer/ },
  endless: { code: 'ORCHA_ERR_ADAPTER_LIMIT', message: /maxResponseBytes/ },
  'gzip-bomb': { code: 'ORCHA_ERR_ADAPTER_LIMIT', message: /decompresses to more than .*maxResponseBytes/ },
  'deep-nesting': { code: 'ORCHA_ERR_ADAPTER_LIMIT', message: /maxJsonDepth/ },
  'redirect-loop': { code: 'ORCHA_ERR_ADAPTER_LIMIT', message: /maxRedirects/ },
  'html-500': { code: 'ORCHA_ERR_ADAPTER_HTTP', message: /HTTP 500/ },
  'nan-infinity': { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /not valid JSON/ },
  nulls: { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /earnings.*null/ },
  'numbers-as-strings': { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /earnings.*string/ },
  negative: { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /negative/ },
  absurd: { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /implausibly large/ },
  'wrong-top-level': { code: 'ORCHA_ERR_ADAPTER_SCHEMA', message: /earnings: is required/ },
  flapping: { code: 'ORCHA_ERR_ADAPTER_HTTP', message: /HTTP 503/ },
  'connection-reset': { code: 'ORCHA_ERR_ADAPTER_UNREACHABLE', message: /connection lost|cannot reach/ },
};

/** Bytes the gzip bomb inflates to (its wire size is about a thousandth of it). */
const BOMB_BYTES = 64 * 1024 * 1024;
const DEEP_LEVELS = 100_000;

async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024, 0x20);
  for (let written = 0; written < BOMB_BYTES; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

const json = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function handlers(bomb: Buffer, flapPeriodMs: number, timers: Set<NodeJS.Timeout>, started: number): Record<Misbehaviour, Handler> {
  let counter = 100;
  const healthy = () => {
    counter += 0.5;
    return `{"earnings": ${counter}, "connected": true}`;
  };
  return {
    hang: () => undefined,
    drip: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"earnings":');
      const timer = setInterval(() => res.write(' '), 500);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    },
    endless: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let open = true;
      res.on('close', () => {
        open = false;
      });
      res.write('[');
      const pump = () => {
        while (open && res.write(chunk)) {
          /* keep writing until the socket pushes back */
        }
        if (open) res.once('drain', pump);
      };
      pump();
    },
    'gzip-bomb': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    },
    'deep-nesting': (_req, res) => json(res, 200, `{"earnings": 1, "x": ${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}}`),
    'redirect-loop': (req, res) => {
      res.writeHead(302, { location: req.url ?? '/' });
      res.end();
    },
    'html-500': (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>');
    },
    'nan-infinity': (_req, res) => json(res, 200, '{"earnings": NaN, "connected": true, "uptime": Infinity}'),
    nulls: (_req, res) => json(res, 200, '{"earnings": null, "connected": null}'),
    'numbers-as-strings': (_req, res) => json(res, 200, '{"earnings": "12.50", "connected": "true"}'),
    negative: (_req, res) => json(res, 200, '{"earnings": -42.5, "connected": true}'),
    absurd: (_req, res) => json(res, 200, '{"earnings": 1e300, "connected": true}'),
    'wrong-top-level': (_req, res) => json(res, 200, '[{"earnings": 1}]'),
    flapping: (_req, res) => {
      const up = Math.floor((Date.now() - started) / flapPeriodMs) % 2 === 0;
      if (up) json(res, 200, healthy());
      else json(res, 503, '{"error":"service unavailable"}');
    },
    'connection-reset': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 200 });
      res.write('{"earnings": 1');
      setImmediate(() => req.socket.destroy());
    },
  };
}

export interface MisbehavingNode {
  kind: Misbehaviour;
  url: string;
  /** Requests received so far. */
  requests: number;
}

export interface MisbehavingNodes {
  nodes: MisbehavingNode[];
  /** Protocol entries (raw config) watching every bad node as an http-json node named `bad-<kind>`. */
  protocols(extra?: Record<string, unknown>): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Start one server per behaviour on 127.0.0.1, ephemeral ports. `flapPeriodMs`: how long flapping stays up, then down. */
export async function startMisbehavingNodes(options: { kinds?: readonly Misbehaviour[]; flapPeriodMs?: number } = {}): Promise<MisbehavingNodes> {
  const kinds = options.kinds ?? MISBEHAVIOURS;
  const timers = new Set<NodeJS.Timeout>();
  const bomb = kinds.includes('gzip-bomb') ? await gzipBomb() : Buffer.alloc(0);
  const table = handlers(bomb, options.flapPeriodMs ?? 10_000, timers, Date.now());
  const servers: { server: Server; sockets: Set<Socket> }[] = [];
  const nodes: MisbehavingNode[] = [];
  for (const kind of kinds) {
    const node: MisbehavingNode = { kind, url: '', requests: 0 };
    const server = createServer((req, res) => {
      node.requests++;
      req.resume();
      table[kind](req, res);
    });
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    node.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push({ server, sockets });
    nodes.push(node);
  }
  return {
    nodes,
    protocols: (extra = {}) =>
      nodes.map((n) => ({
        name: `bad-${n.kind}`,
        type: 'http-json',
        endpoint: n.url,
        mapping: { path: '/balance', earnings: 'earnings' },
        ...extra,
      })),
    async close() {
      for (const t of timers) clearInterval(t);
      await Promise.all(
        servers.map(
          ({ server, sockets }) =>
            new Promise<void>((resolve) => {
              for (const s of sockets) s.destroy();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
