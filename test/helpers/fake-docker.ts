/**
 * A fake Docker Engine API on a unix socket: the endpoints the executors call, with Docker's request and
 * response shapes and its validation, so dockerode's real request path is exercised in tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeContainer {
  Id: string;
  Name: string;
  NanoCpus: number;
  Memory: number;
  MemorySwap: number;
  running: boolean;
  restarts: number;
  startedAt: string;
  /** Bodies `GET /containers/{id}/stats` answers, one per call, the last one repeated (none: a 500 as Docker's). */
  stats: unknown[];
}

export interface FakeDockerCall {
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
}

export interface FakeDocker {
  socketPath: string;
  /** Containers by name. */
  containers: Map<string, FakeContainer>;
  calls: FakeDockerCall[];
  cpuCount: number;
  addContainer(name: string, limits?: Partial<Pick<FakeContainer, 'NanoCpus' | 'Memory' | 'MemorySwap'>>): FakeContainer;
  /**
   * Make matching calls fail: `match` is tested against "METHOD /path" (without the version prefix).
   * `times` = how many matching calls fail (default: all until cleared).
   */
  failOn(match: RegExp, opts?: { status?: number; message?: string; times?: number }): void;
  clearFailures(): void;
  /**
   * Hold the next call matching `match` before it is handled; resolves when it arrives. `release()` lets it
   * proceed (tests kill a client process while its request is held: a crash between two steps).
   */
  holdNext(match: RegExp): Promise<{ key: string; release(): void }>;
  close(): Promise<void>;
}

interface Failure {
  match: RegExp;
  status: number;
  message: string;
  left: number;
}

const API_VERSION = '1.47';

export async function startFakeDocker(options: { cpuCount?: number; socketDir?: string } = {}): Promise<FakeDocker> {
  const dir = options.socketDir ?? mkdtempSync(join(tmpdir(), 'orcha-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const containers = new Map<string, FakeContainer>();
  const calls: FakeDockerCall[] = [];
  let failures: Failure[] = [];
  let holds: { match: RegExp; arrived: (h: { key: string; release(): void }) => void }[] = [];
  const cpuCount = options.cpuCount ?? 4;

  const find = (idOrName: string): FakeContainer | undefined => {
    const name = idOrName.replace(/^\//, '');
    return containers.get(name) ?? [...containers.values()].find((c) => c.Id === name || (name.length >= 12 && c.Id.startsWith(name)));
  };

  const inspect = (c: FakeContainer) => ({
    Id: c.Id,
    Created: '2026-01-01T00:00:00.000000000Z',
    Path: '/entrypoint',
    Args: [],
    State: {
      Status: c.running ? 'running' : 'exited',
      Running: c.running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.running ? 4242 : 0,
      ExitCode: 0,
      Error: '',
      StartedAt: c.startedAt,
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    Name: `/${c.Name}`,
    RestartCount: 0,
    HostConfig: {
      NanoCpus: c.NanoCpus,
      CpuShares: 0,
      CpuQuota: 0,
      CpuPeriod: 0,
      Memory: c.Memory,
      MemoryReservation: 0,
      MemorySwap: c.MemorySwap,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    },
    Config: { Hostname: c.Id.slice(0, 12), Image: `${c.Name}:latest`, Env: [] },
  });

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status, { 'Api-Version': API_VERSION, 'Content-Length': '0' });
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Api-Version': API_VERSION,
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  // Docker's checks on POST /containers/{id}/update (daemon/update.go, runconfig), messages as Docker words them.
  const validateUpdate = (c: FakeContainer, body: Record<string, unknown>): string | null => {
    for (const k of ['NanoCpus', 'Memory', 'MemorySwap']) {
      if (body[k] !== undefined && (typeof body[k] !== 'number' || !Number.isInteger(body[k]))) {
        return `json: cannot unmarshal ${typeof body[k]} into Go struct field UpdateConfig.${k} of type int64`;
      }
    }
    const memory = (body.Memory as number | undefined) ?? c.Memory;
    const swap = (body.MemorySwap as number | undefined) ?? c.MemorySwap;
    if (body.Memory !== undefined && memory !== 0 && memory < 6 * 1024 * 1024) return 'Minimum memory limit allowed is 6MB';
    if (memory > 0 && swap > 0 && swap < memory) {
      return body.MemorySwap === undefined
        ? 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time'
        : 'Minimum memoryswap limit should be larger than memory limit, see usage';
    }
    const nano = body.NanoCpus as number | undefined;
    if (nano !== undefined && nano !== 0 && (nano < 10_000_000 || nano > cpuCount * 1e9)) {
      return `Range of CPUs is from 0.01 to ${cpuCount}.00, as there are only ${cpuCount} CPUs available`;
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v1\.\d+(?=\/)/, '');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return record(400, { message: 'invalid JSON body' });
      }
    }
    function record(status: number, payload?: unknown) {
      calls.push({ method, path, query: url.search, body, status });
      send(res, status, payload);
    }

    const key = `${method} ${path}`;
    const hold = holds.find((h) => h.match.test(key));
    if (hold) {
      holds = holds.filter((h) => h !== hold);
      await new Promise<void>((release) => hold.arrived({ key, release }));
      if (res.destroyed || req.socket.destroyed) return;
    }
    const failure = failures.find((f) => f.match.test(key) && f.left > 0);
    if (failure) {
      failure.left--;
      return record(failure.status, { message: failure.message });
    }

    if (method === 'GET' && (path === '/_ping' || path === '/_ping/')) return record(200, 'OK');
    if (method === 'GET' && path === '/version') return record(200, { Version: '27.3.1', ApiVersion: API_VERSION, Os: 'linux' });
    if (method === 'GET' && path === '/info') return record(200, { NCPU: cpuCount, MemTotal: 16 * 2 ** 30 });

    const m = /^\/containers\/([^/]+)\/(json|update|restart|stats)$/.exec(path);
    if (!m) return record(404, { message: 'page not found' });
    const c = find(decodeURIComponent(m[1]));
    if (!c) return record(404, { message: `No such container: ${decodeURIComponent(m[1])}` });
    if (m[2] === 'json' && method === 'GET') return record(200, inspect(c));
    if (m[2] === 'stats' && method === 'GET') {
      const next = c.stats.length > 1 ? c.stats.shift() : c.stats[0];
      return next === undefined ? record(500, { message: 'fake docker: no stats set for this container' }) : record(200, next);
    }
    if (m[2] === 'update' && method === 'POST') {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return record(400, { message: 'invalid update body' });
      const update = body as Record<string, unknown>;
      const error = validateUpdate(c, update);
      if (error) return record(400, { message: error });
      if (update.NanoCpus !== undefined) c.NanoCpus = update.NanoCpus as number;
      if (update.Memory !== undefined) c.Memory = update.Memory as number;
      if (update.MemorySwap !== undefined) c.MemorySwap = update.MemorySwap as number;
      return record(200, { Warnings: [] });
    }
    if (m[2] === 'restart' && method === 'POST') {
      c.restarts++;
      c.running = true;
      c.startedAt = new Date().toISOString();
      return record(204);
    }
    return record(405, { message: 'method not allowed' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });

  return {
    socketPath,
    containers,
    calls,
    cpuCount,
    addContainer(name, limits = {}) {
      const c: FakeContainer = {
        Id: randomBytes(32).toString('hex'),
        Name: name,
        NanoCpus: limits.NanoCpus ?? 0,
        Memory: limits.Memory ?? 0,
        MemorySwap: limits.MemorySwap ?? 0,
        running: true,
        restarts: 0,
        startedAt: '2026-01-01T00:00:00Z',
        stats: [],
      };
      containers.set(name, c);
      return c;
    },
    failOn(match, opts = {}) {
      failures.push({
        match,
        status: opts.status ?? 500,
        message: opts.message ?? 'fake docker: injected failure',
        left: opts.times ?? Number.POSITIVE_INFINITY,
      });
    },
    clearFailures() {
      failures = [];
    },
    holdNext(match) {
      return new Promise((arrived) => holds.push({ match, arrived }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.socketDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
