import type { TSchema } from '@sinclair/typebox';
import { Kind } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';

/**
 * ORCHA_* environment overrides. The rule: take the key's path, write each camelCase segment in
 * UPPER_SNAKE_CASE, join with `_` and prefix `ORCHA_`; array items use their index.
 *   server.bodyLimit            -> ORCHA_SERVER_BODY_LIMIT
 *   protocols[0].endpoint       -> ORCHA_PROTOCOLS_0_ENDPOINT
 *   reallocation.mode           -> ORCHA_REALLOCATION_MODE
 * Values are parsed as JSON when they parse (numbers, booleans, arrays), else taken as strings.
 * Shortcuts: ORCHA_PORT, ORCHA_HOST, ORCHA_DATA_DIR, DATABASE_URL, REDIS_URL.
 */
export const ENV_SHORTCUTS: Record<string, string[]> = {
  ORCHA_PORT: ['server', 'port'],
  ORCHA_HOST: ['server', 'host'],
  ORCHA_DATA_DIR: ['dataDir'],
  DATABASE_URL: ['storage', 'url'],
  REDIS_URL: ['redis', 'url'],
};
/** Variables with the prefix that are not config keys (the last six are the CLI client's own, see src/cli). */
const NOT_KEYS = new Set([
  'ORCHA_CONFIG',
  'ORCHA_ADMIN_PASSWORD',
  'ORCHA_LOG_LEVEL',
  'ORCHA_LOG_FILE',
  'ORCHA_URL',
  'ORCHA_TOKEN',
  'ORCHA_USER',
  'ORCHA_PASSWORD',
  'ORCHA_NEW_PASSWORD',
  'ORCHA_LOGIN_CACHE',
  // `orcha agent`'s own
  'ORCHA_SERVER',
  'ORCHA_AGENT_KEY',
  // the agent's fault point for its process tests (src/fleet/fault-point.ts), off unless set
  'ORCHA_FAULT_KILL_AFTER_SPOOL',
]);

export function snake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function propertiesOf(schema: TSchema): Record<string, TSchema> | undefined {
  if (schema[Kind] === 'Object') return schema.properties as Record<string, TSchema>;
  return undefined;
}

/** Resolve `SERVER_BODY_LIMIT` to ['server', 'bodyLimit'] by walking the schema; undefined when no key matches. */
export function resolveEnvPath(rest: string[], schema: TSchema = ConfigSchema): (string | number)[] | undefined {
  if (rest.length === 0) return [];
  if (schema[Kind] === 'Array') {
    const index = Number(rest[0]);
    if (!Number.isInteger(index) || index < 0) return undefined;
    const tail = resolveEnvPath(rest.slice(1), schema.items as TSchema);
    return tail ? [index, ...tail] : undefined;
  }
  if (schema[Kind] === 'Record') {
    // prices.usd.STORJ: the rest is the key, as written
    return [rest.join('_')];
  }
  const props = propertiesOf(schema);
  if (!props) return undefined;
  for (const [key, sub] of Object.entries(props)) {
    const parts = snake(key).split('_');
    if (parts.length <= rest.length && parts.every((p, i) => p === rest[i])) {
      const tail = resolveEnvPath(rest.slice(parts.length), sub);
      if (tail) return [key, ...tail];
    }
  }
  return undefined;
}

function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const nextIsIndex = typeof path[i + 1] === 'number';
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
}

export interface EnvOverrideResult {
  config: Record<string, unknown>;
  unknown: string[];
}

/** Names of environment variables the document uses as secrets (`{ env: NAME }`): they are not config keys. */
export function secretEnvNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) secretEnvNames(item, found);
  else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === 'env' && typeof entries[0][1] === 'string') found.add(entries[0][1]);
    else for (const [, v] of entries) secretEnvNames(v, found);
  }
  return found;
}

export function applyEnvOverrides(base: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverrideResult {
  const config = structuredClone(base);
  const unknown: string[] = [];
  const secrets = secretEnvNames(base);
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const shortcut = ENV_SHORTCUTS[name];
    if (shortcut) {
      setPath(config, shortcut, name === 'ORCHA_PORT' ? parseValue(raw) : raw);
      continue;
    }
    if (!name.startsWith('ORCHA_') || NOT_KEYS.has(name) || secrets.has(name)) continue;
    const path = resolveEnvPath(name.slice('ORCHA_'.length).split('_'));
    if (!path || path.length === 0) {
      unknown.push(name);
      continue;
    }
    setPath(config, path, parseValue(raw));
  }
  return { config, unknown };
}
