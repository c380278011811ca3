import type { Static, TSchema } from '@sinclair/typebox';
import { schemaErrors } from '../config/validate.js';
import { OrchaError, isOrchaError } from '../lib/errors.js';
import type { FetchLike } from './types.js';

/**
 * The one way adapters talk HTTP: every failure becomes a coded error whose message names the endpoint
 * (and, for schema mismatches, the field), so the coordinator can show the operator why a node is disconnected.
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

export function parseJsonText(text: string, label: string): unknown {
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

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as { code?: string }).code;
}

export function createHttpClient(deps: { fetch?: FetchLike; now: () => number }): HttpClient {
  const doFetch = deps.fetch ?? fetch;

  async function request(url: string, opts: RequestOptions): Promise<string> {
    if (opts.signal.aborted) throw timeoutError(opts.label);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: opts.method ?? 'GET',
        headers: { accept: 'application/json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: opts.signal,
        redirect: 'error',
      });
    } catch (err) {
      if (opts.signal.aborted) throw timeoutError(opts.label);
      const code = causeCode(err);
      throw new OrchaError('ORCHA_ERR_ADAPTER_UNREACHABLE', `${opts.label}: cannot reach the node${code ? ` (${code})` : ''}`, { code }, { cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (opts.signal.aborted) throw timeoutError(opts.label);
      throw new OrchaError('ORCHA_ERR_ADAPTER_UNREACHABLE', `${opts.label}: connection lost while reading the answer`, undefined, { cause: err });
    }
    if (res.status === 401 || res.status === 403) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_AUTH', `${opts.label}: HTTP ${res.status} (credentials refused)`, { status: res.status });
    }
    if (res.status === 429) {
      const waitMs = retryAfterMs(res.headers.get('retry-after'), deps.now());
      throw new OrchaError('ORCHA_ERR_ADAPTER_RATE_LIMITED', `${opts.label}: HTTP 429, retry after ${Math.ceil(waitMs / 1000)} s`, {
        retryAfterMs: waitMs,
      });
    }
    if (!res.ok) throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `${opts.label}: HTTP ${res.status}`, { status: res.status });
    return text;
  }

  return {
    async json(url, schema, opts) {
      const text = await request(url, opts);
      return parseBody(schema, parseJsonText(text, opts.label), opts.label);
    },
    text: request,
  };
}

function timeoutError(label: string): OrchaError {
  return new OrchaError('ORCHA_ERR_TIMEOUT', `${label}: no answer before the timeout`);
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
