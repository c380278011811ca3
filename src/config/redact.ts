import type { Config } from '../config/schema.js';

export const REDACTED = '[redacted]';

/** Keys whose inline string values are secrets. `{env}` / `{file}` references are not secrets and stay visible. */
const SECRET_KEYS = new Set(['token', 'password', 'jwtSecret', 'secret', 'apiKey']);
/** Keys holding URLs that may carry a password (`postgres://user:pass@host`). */
const URL_KEYS = new Set(['url']);

/** Notification channel URLs (Apprise style) carry tokens in the host, path or query: only the scheme stays. */
const CHANNEL_URL = /^(jsons?|ntfys?|tgram|discord|slack|gotifys?|pover|mailtos?):\/\//i;

function redactUrl(value: string): string {
  const channel = CHANNEL_URL.exec(value);
  if (channel) return `${channel[1]}://${REDACTED}`;
  try {
    const u = new URL(value);
    if (!u.password) return value;
    u.password = REDACTED;
    return u.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return value;
  }
}

function walk(value: unknown, key: string | null): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, null));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
  }
  if (typeof value === 'string' && key !== null) {
    if (SECRET_KEYS.has(key)) return REDACTED;
    if (URL_KEYS.has(key)) return redactUrl(value);
  }
  return value;
}

/**
 * A copy of the config with every secret replaced by "[redacted]" (GET config, WS `config` events, logs); also of a
 * raw document as the file holds it (GET config/document), which keeps its own shape.
 */
export function redactConfig<T extends Config | Record<string, unknown>>(config: T): T {
  return walk(config, null) as T;
}

/**
 * A client that GETs the config, edits it and PUTs it back sends "[redacted]" where secrets were: put the running
 * raw values back in those places so that a round trip never overwrites a secret with the placeholder.
 */
export function restoreRedacted(incoming: unknown, current: unknown): unknown {
  if (typeof incoming === 'string') {
    if (incoming === REDACTED) return current;
    if (incoming.includes(REDACTED) && typeof current === 'string') return current;
    return incoming;
  }
  if (Array.isArray(incoming)) {
    const cur = Array.isArray(current) ? current : [];
    // protocols and policies are matched by name, so a reordered list keeps each one's secrets
    const byName = (v: unknown) => (v && typeof v === 'object' ? (v as { name?: unknown }).name : undefined);
    return incoming.map((v, i) => {
      const name = byName(v);
      const match = name !== undefined ? cur.find((c) => byName(c) === name) : cur[i];
      return restoreRedacted(v, match);
    });
  }
  if (incoming && typeof incoming === 'object') {
    const cur = current && typeof current === 'object' ? (current as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(incoming).map(([k, v]) => [k, restoreRedacted(v, cur[k])]));
  }
  return incoming;
}
