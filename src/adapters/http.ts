import type { Static, TSchema } from '@sinclair/typebox';
import { schemaErrors } from '../config/validate.js';
import { OrchaError, isOrchaError } from '../lib/errors.js';
import {
  DEFAULT_READ_LIMITS,
  type RawAnswer,
  type ReadLimits,
  type Transport,
  fetchTransport,
  isRedirect,
  jsonDepthExceeds,
  limitError,
  nodeTransport,
  timeoutError,
} from './http-transport.js';
import type { FetchLike } from './types.js';

export { DEFAULT_READ_LIMITS, type ReadLimits } from './http-transport.js';

/**
 * The one way adapters talk HTTP: every failure becomes a coded error whose message names the endpoint
 * (and, for schema mismatches, the field), so the coordinator can show the operator why a node is disconnected.
 * Every read is bounded (http-transport.ts): body bytes on the wire and decompressed, redirects, JSON nesting; past a
 * bound the read fails with ORCHA_ERR_ADAPTER_LIMIT naming the bound.
 */
export interface RequestOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: unknown;
  /** Short name of the call used in error messages, e.g. `estimated-payout`. */
  label: string;
}

export interface HttpClient {
  json<S extends TSchema>(url: string, schema: S, opts: RequestOptions): Promise<Static<S>>;
  text(url: string, opts: RequestOptions): Promise<string>;
}

/** Validate a parsed body; a mismatch names the call and the first wrong field: `estimated-payout: currentMonth.payout: Expected number`. */
export function parseBody<S extends TSchema>(schema: S, value: unknown, label: string): Static<S> {
  const errors = schemaErrors(schema, value);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: ${first.path}: ${first.message}`, errors);
  }
  return value as Static<S>;
}

/** Parse a node's JSON body; nesting deeper than `maxDepth` fails before parsing, with the bound named. */
export function parseJsonText(text: string, label: string, maxDepth = DEFAULT_READ_LIMITS.maxJsonDepth): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw limitError(label, 'maxJsonDepth', maxDepth, `JSON nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: body is not valid JSON`, undefined, { cause: err });
  }
}

/** Retry-After is either seconds or an HTTP date; returns milliseconds to wait (default 60 s when absent or unreadable). */
export function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 60_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : 60_000;
}

const LIMITS = Symbol('orcha.readLimits');
type LimitedFetch = FetchLike & { [LIMITS]: ReadLimits; inner?: FetchLike };

/**
 * The `fetch` an adapter receives, carrying its protocol's read limits (createAdapter wraps each protocol's deps with
 * it, so adapters need not know about limits). Called directly it is the injected fetch, or the global one.
 */
export function withReadLimits(limits: Partial<ReadLimits>, inner?: FetchLike): FetchLike {
  const base = inner && LIMITS in inner ? (inner as LimitedFetch) : null;
  const target = base ? base.inner : inner;
  const fn = ((input: Parameters<FetchLike>[0], init?: Parameters<FetchLike>[1]) => (target ?? fetch)(input, init)) as LimitedFetch;
  fn[LIMITS] = { ...DEFAULT_READ_LIMITS, ...(base?.[LIMITS] ?? {}), ...definedOnly(limits) };
  fn.inner = target;
  return fn;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function createHttpClient(deps: { fetch?: FetchLike; now: () => number }): HttpClient {
  const limited = deps.fetch && LIMITS in deps.fetch ? (deps.fetch as LimitedFetch) : null;
  const limits = limited?.[LIMITS] ?? DEFAULT_READ_LIMITS;
  const injected = limited ? limited.inner : deps.fetch;
  const transport: Transport = injected ? fetchTransport(injected) : nodeTransport;

  /** Follows at most `maxRedirects` redirects; a caller's headers (credentials) never go to another origin. */
  async function exchange(url: string, opts: RequestOptions): Promise<RawAnswer> {
    let current = new URL(url);
    let method = opts.method ?? 'GET';
    let body = opts.body !== undefined ? JSON.stringify(opts.body) : undefined;
    let own: Record<string, string> = opts.headers ?? {};
    for (let hop = 0; ; hop++) {
      const headers = { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...own };
      const answer = await transport(current.href, { method, headers, body, signal: opts.signal }, limits, opts.label);
      const location = answer.header('location');
      if (!isRedirect(answer.status) || !location) return answer;
      if (hop >= limits.maxRedirects) {
        throw limitError(opts.label, 'maxRedirects', limits.maxRedirects, `more than ${limits.maxRedirects} redirects`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `${opts.label}: HTTP ${answer.status} to an invalid location`, { status: answer.status });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `${opts.label}: HTTP ${answer.status} to a ${next.protocol} URL`, { status: answer.status });
      }
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== current.origin) own = {};
      current = next;
    }
  }

  async function request(url: string, opts: RequestOptions): Promise<string> {
    if (opts.signal.aborted) throw timeoutError(opts.label);
    const res = await exchange(url, opts);
    if (res.status === 401 || res.status === 403) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_AUTH', `${opts.label}: HTTP ${res.status} (credentials refused)`, { status: res.status });
    }
    if (res.status === 429) {
      const waitMs = retryAfterMs(res.header('retry-after'), deps.now());
      throw new OrchaError('ORCHA_ERR_ADAPTER_RATE_LIMITED', `${opts.label}: HTTP 429, retry after ${Math.ceil(waitMs / 1000)} s`, {
        retryAfterMs: waitMs,
      });
    }
    if (res.status < 200 || res.status > 299) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `${opts.label}: HTTP ${res.status}`, { status: res.status });
    }
    return res.text;
  }

  return {
    async json(url, schema, opts) {
      const text = await request(url, opts);
      return parseBody(schema, parseJsonText(text, opts.label, limits.maxJsonDepth), opts.label);
    },
    text: request,
  };
}

/** Errors worth retrying within one poll: the node may answer the next attempt. */
export function isTransient(err: unknown): boolean {
  if (!isOrchaError(err)) return true;
  if (err.code === 'ORCHA_ERR_ADAPTER_UNREACHABLE') return true;
  if (err.code === 'ORCHA_ERR_ADAPTER_HTTP') return ((err.details as { status?: number })?.status ?? 500) >= 500;
  return false;
}

/** `http://h:1/base/` + `/api/x` without double slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
