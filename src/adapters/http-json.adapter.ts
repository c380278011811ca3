import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import { OrchaError } from '../lib/errors.js';
import { createHttpClient, joinUrl, parseJsonText } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Any other node or cloud balance: one GET, a dot path to a cumulative number, a scale to token units.
 * e.g. Honeygain: path /api/v1/users/balances, earnings data.payout.usd_cents, scale 0.01, token USD.
 */

/** Follow `a.b.0.c`; throws a schema error naming the first missing segment's full path. */
export function readPath(value: unknown, path: string, label: string): unknown {
  let cur: unknown = value;
  const parts = path.split('.').filter((p) => p !== '');
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || typeof cur !== 'object' || !(parts[i]! in (cur as object))) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: ${parts.slice(0, i + 1).join('.')}: is required`);
    }
    cur = (cur as Record<string, unknown>)[parts[i]!];
  }
  return cur;
}

export function readNumberAt(value: unknown, path: string, label: string): number {
  const v = readPath(value, path, label);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: ${path}: Expected number, got ${v === null ? 'null' : typeof v}`);
  }
  return v;
}

export function createHttpJsonAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  if (!config.mapping) {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `protocol ${config.name}: mapping is required for type http-json`, [
      { path: 'mapping', message: 'is required for type http-json' },
    ]);
  }
  const mapping = config.mapping;
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const secret = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  // A named header carries the token as it is; without one, the token is a bearer token.
  const headers: Record<string, string> = !secret ? {} : mapping.header ? { [mapping.header]: secret } : { authorization: `Bearer ${secret}` };
  const url = joinUrl(config.endpoint, mapping.path ?? '/');
  const label = (mapping.path ?? '/').replace(/^\/+/, '') || 'balance';
  const isLocal = /^https?:\/\/(127\.|localhost|\[::1\])/.test(config.endpoint);
  return {
    name: config.name,
    type: 'http-json',
    // Local endpoints are polled like nodes; anything else is a cloud balance and polled slowly.
    isCloud: !isLocal,
    async read(signal): Promise<AdapterReading> {
      const body = parseJsonText(await http.text(url, { signal, label, headers }), label);
      const value = readNumberAt(body, mapping.earnings, label);
      const connected = mapping.connected ? Boolean(readPath(body, mapping.connected, label)) : true;
      return { connected, token: config.token ?? 'USD', cumulativeTokens: value * (mapping.scale ?? 1), resources: {} };
    },
  };
}
