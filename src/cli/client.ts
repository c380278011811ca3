/**
 * The HTTP client the `orcha` client commands use: base URL, credentials (API key / access token, or a login with
 * user and password), the server's error shape turned into ApiRequestError, connection failures into
 * ServerUnreachableError, and operations awaited through the long-poll endpoint.
 */
import type { Operation } from '../domain/operation.js';
import { createDeadline } from '../lib/deadline.js';
import type { LoginCache } from './login-cache.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';
const API_PREFIX = '/api/v1/';
const TERMINAL = new Set(['completed', 'failed', 'timeout']);

export interface ClientOptions {
  server: string;
  /** API key or access token, sent as `Authorization: Bearer`. */
  token?: string;
  user?: string;
  password?: string;
  /** Where a user's login is kept between runs (see login-cache.ts); without it every run logs in. */
  loginCache?: LoginCache;
  /** Per-request timeout; long-polls add their own wait to it. */
  requestTimeoutMs?: number;
}

/** The server answered with an error status. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** No HTTP answer at all: refused, DNS, reset, timeout. */
export class ServerUnreachableError extends Error {
  readonly code = 'ORCHA_ERR_UNREACHABLE';
  constructor(server: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`server unreachable at ${server} (${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? 'no answer'})`, { cause });
    this.name = 'ServerUnreachableError';
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Extra time allowed for this request (long-polls). */
  waitMs?: number;
  accept?: string;
}

export interface OrchaClient {
  readonly server: string;
  get<T = unknown>(path: string, query?: Query): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  /** A raw response (2xx only; errors throw), for streaming bodies. */
  send(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Long-poll `operations/{id}/result` until the operation is done or `timeoutSeconds` pass. */
  waitForOperation(id: string, options?: { timeoutSeconds?: number; onStatus?: (op: Operation) => void }): Promise<Operation>;
}

function url(server: string, path: string, query?: Query): string {
  const u = new URL(API_PREFIX + path.replace(/^\/+/, ''), server.endsWith('/') ? server : `${server}/`);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

async function errorFrom(res: Response): Promise<ApiRequestError> {
  type ErrorBody = { error?: { code?: string; message?: string; details?: unknown; requestId?: string } };
  let body: ErrorBody | null = null;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not the JSON error shape (a proxy, a crash page): keep the status line
  }
  const e = body?.error;
  return new ApiRequestError(
    res.status,
    e?.code ?? `HTTP_${res.status}`,
    `${e?.message ?? (res.statusText || 'request failed')} (HTTP ${res.status}${e?.code ? ` ${e.code}` : ''})`,
    e?.details,
    e?.requestId ?? res.headers.get('x-request-id') ?? undefined,
  );
}

export function createClient(options: ClientOptions): OrchaClient {
  const server = options.server.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let bearer: string | undefined = options.token;
  let loggingIn: Promise<void> | null = null;
  /** The bearer came from the login cache: a 401 may only mean it went stale, so log in again once. */
  let bearerFromCache = false;
  const cache = options.user ? options.loginCache : undefined;

  async function raw(method: string, path: string, opts: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (auth && bearer) headers.authorization = `Bearer ${bearer}`;
    try {
      return await fetch(url(server, path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        // The body is read by the caller, after this returns: the deadline stays armed for it and is left to fire on
        // a finished exchange (harmless), unref'd so that it never keeps the command alive.
        signal: createDeadline(timeoutMs + (opts.waitMs ?? 0), { unref: true }).signal,
      });
    } catch (err) {
      throw new ServerUnreachableError(server, err);
    }
  }

  type Pair = { accessToken: string; refreshToken: string; expiresIn: number };
  function remember(pair: Pair): void {
    bearer = pair.accessToken;
    cache?.write({
      server,
      user: options.user!,
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: Date.now() + pair.expiresIn * 1000,
    });
  }

  /** A live cached token, or one refreshed from the cached refresh token; false when a password login is needed. */
  async function fromCache(): Promise<boolean> {
    const cached = cache?.read(server, options.user!);
    if (!cached) return false;
    if (cached.expiresAt - 30_000 > Date.now()) {
      bearer = cached.accessToken;
      bearerFromCache = true;
      return true;
    }
    const res = await raw('POST', 'auth/refresh', { body: { refreshToken: cached.refreshToken } }, false);
    if (res.ok) {
      remember((await res.json()) as Pair);
      return true;
    }
    cache?.forget(server, options.user!);
    return false;
  }

  async function login(): Promise<void> {
    if (bearer || !options.user) return;
    loggingIn ??= (async () => {
      if (await fromCache()) return;
      const res = await raw('POST', 'auth/login', { body: { username: options.user, password: options.password ?? '' } }, false);
      if (!res.ok) throw await errorFrom(res);
      remember((await res.json()) as Pair);
    })();
    await loggingIn;
  }

  async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    await login();
    const used = bearer;
    const cachedBearer = bearerFromCache;
    let res = await raw(method, path, opts, true);
    if (res.status === 401 && cachedBearer) {
      // Revoked or signed with a rotated secret: drop it and log in with the password (a 401 ran nothing). Requests
      // in flight at once share that one login.
      if (bearer === used) {
        cache?.forget(server, options.user!);
        bearer = undefined;
        bearerFromCache = false;
        loggingIn = null;
      }
      await login();
      res = await raw(method, path, opts, true);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async function json<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const client: OrchaClient = {
    server,
    get: async (path, query) => json(await send('GET', path, { query })),
    post: async (path, body) => json(await send('POST', path, { body: body ?? {} })),
    send,
    async waitForOperation(id, opts = {}) {
      const deadline = Date.now() + (opts.timeoutSeconds ?? 120) * 1000;
      for (;;) {
        const left = Math.max(1, Math.min(30, Math.ceil((deadline - Date.now()) / 1000)));
        const res = await send('GET', `operations/${encodeURIComponent(id)}/result`, { query: { timeout: left }, waitMs: left * 1000 });
        const op = await json<Operation>(res);
        opts.onStatus?.(op);
        if (TERMINAL.has(op.status) || Date.now() >= deadline) return op;
      }
    },
  };
  return client;
}
