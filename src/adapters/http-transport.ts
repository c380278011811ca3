import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { OrchaError } from '../lib/errors.js';
import type { FetchLike } from './types.js';

/**
 * One HTTP exchange with a node, read under bounds: bytes on the wire, bytes after decompression (gzip, deflate, br),
 * both counted as they arrive, so an endless or bomb body is cut off at the bound instead of buffered. Redirects are
 * not followed here (the client counts them). Every failure is a coded OrchaError naming the call.
 */

export interface ReadLimits {
  /** Bytes of the body, on the wire and after decompression. */
  maxResponseBytes: number;
  maxRedirects: number;
  /** Nesting of arrays and objects in a JSON body. */
  maxJsonDepth: number;
}

/** A few MB: the largest real node answer in the fixtures is a few kB. */
export const DEFAULT_READ_LIMITS: ReadLimits = { maxResponseBytes: 4 * 1024 * 1024, maxRedirects: 5, maxJsonDepth: 64 };

export interface RawRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface RawAnswer {
  status: number;
  header(name: string): string | null;
  /** The decoded body ('' for redirects, whose body is not read). */
  text: string;
}

export type Transport = (url: string, req: RawRequest, limits: ReadLimits, label: string) => Promise<RawAnswer>;

export const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

export function limitError(label: string, bound: keyof ReadLimits, limit: number, what: string): OrchaError {
  return new OrchaError('ORCHA_ERR_ADAPTER_LIMIT', `${label}: ${what} (bound ${bound} = ${limit})`, { bound, limit });
}

export function timeoutError(label: string): OrchaError {
  return new OrchaError('ORCHA_ERR_TIMEOUT', `${label}: no answer before the timeout`);
}

function unreachable(label: string, err: unknown, reading: boolean): OrchaError {
  const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  const what = reading ? 'connection lost while reading the answer' : 'cannot reach the node';
  return new OrchaError('ORCHA_ERR_ADAPTER_UNREACHABLE', `${label}: ${what}${code ? ` (${code})` : ''}`, { code }, { cause: err });
}

function tooLarge(label: string, limits: ReadLimits, what: string): OrchaError {
  return limitError(label, 'maxResponseBytes', limits.maxResponseBytes, what);
}

function declaredTooLarge(header: string | null, limits: ReadLimits): boolean {
  const declared = Number(header ?? Number.NaN);
  return Number.isFinite(declared) && declared > limits.maxResponseBytes;
}

/** Output chunk of the decoders: large enough that a few MB decode in few thread-pool round trips. */
const DECODE_CHUNK = 256 * 1024;

function decoderFor(encoding: string): Transform | null | undefined {
  if (encoding === '' || encoding === 'identity') return null;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip({ chunkSize: DECODE_CHUNK });
  if (encoding === 'deflate') return createInflate({ chunkSize: DECODE_CHUNK });
  if (encoding === 'br') return createBrotliDecompress({ chunkSize: DECODE_CHUNK });
  return undefined;
}

/** The production transport: node:http(s), with the decoding done here so both byte counts are ours. */
export const nodeTransport: Transport = (url, req, limits, label) =>
  new Promise<RawAnswer>((resolve, reject) => {
    if (req.signal.aborted) return reject(timeoutError(label));
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    let response: IncomingMessage | null = null;
    let decoder: Transform | null = null;
    const finish = () => {
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: OrchaError) => {
      if (settled) return;
      finish();
      decoder?.destroy();
      response?.destroy();
      outgoing.destroy();
      reject(err);
    };
    const onAbort = () => fail(timeoutError(label));
    req.signal.addEventListener('abort', onAbort, { once: true });
    const outgoing = send(target, { method: req.method, headers: { ...req.headers, 'accept-encoding': 'gzip, deflate, br' } });
    outgoing.on('error', (err) => fail(req.signal.aborted ? timeoutError(label) : unreachable(label, err, response !== null)));
    outgoing.on('response', (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      const header = (name: string): string | null => {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      };
      if (isRedirect(status) && header('location')) {
        finish();
        res.destroy();
        return resolve({ status, header, text: '' });
      }
      if (declaredTooLarge(header('content-length'), limits)) return fail(tooLarge(label, limits, `declares a body of ${header('content-length')} bytes`));
      const encoding = (header('content-encoding') ?? '').trim().toLowerCase();
      const chosen = decoderFor(encoding);
      if (chosen === undefined) {
        return fail(new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: unsupported content-encoding "${encoding.slice(0, 40)}"`));
      }
      decoder = chosen;
      let wire = 0;
      res.on('data', (chunk: Buffer) => {
        wire += chunk.length;
        if (wire > limits.maxResponseBytes) fail(tooLarge(label, limits, `more than ${limits.maxResponseBytes} bytes on the wire`));
      });
      res.on('error', (err) => fail(req.signal.aborted ? timeoutError(label) : unreachable(label, err, true)));
      res.on('aborted', () => fail(unreachable(label, new Error('aborted'), true)));
      const body: Readable = decoder ? res.pipe(decoder) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > limits.maxResponseBytes) {
          return fail(tooLarge(label, limits, `body decompresses to more than ${limits.maxResponseBytes} bytes`));
        }
        chunks.push(chunk);
      });
      if (decoder) {
        decoder.on('error', (err) => fail(new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: body is not valid ${encoding}`, undefined, { cause: err })));
      }
      body.on('end', () => {
        if (settled) return;
        finish();
        resolve({ status, header, text: Buffer.concat(chunks, size).toString('utf8') });
      });
    });
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });

/** An injected fetch (tests, custom stacks), read through the same byte bound (it decodes bodies itself). */
export function fetchTransport(doFetch: FetchLike): Transport {
  return async (url, req, limits, label) => {
    if (req.signal.aborted) throw timeoutError(label);
    let res: Response;
    try {
      res = await doFetch(url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal, redirect: 'manual' });
    } catch (err) {
      if (req.signal.aborted) throw timeoutError(label);
      throw unreachable(label, err, false);
    }
    const header = (name: string) => res.headers.get(name);
    if (isRedirect(res.status) && header('location')) {
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, header, text: '' };
    }
    if (declaredTooLarge(header('content-length'), limits)) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(label, limits, `declares a body of ${header('content-length')} bytes`);
    }
    if (!res.body) return { status: res.status, header, text: '' };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxResponseBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(label, limits, `body decompresses to more than ${limits.maxResponseBytes} bytes`);
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof OrchaError) throw err;
      if (req.signal.aborted) throw timeoutError(label);
      throw unreachable(label, err, true);
    }
    return { status: res.status, header, text: Buffer.concat(chunks, size).toString('utf8') };
  };
}

/** Deepest nesting of arrays and objects in a JSON text, stopping as soon as it passes `max` (strings skipped). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
