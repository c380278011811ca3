/** Options and helpers shared by the client commands: server address, credentials, --json, time arguments. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SERVER_URL, type OrchaClient, createClient } from '../client.js';
import { parseIsoTime } from '../../lib/iso-time.js';
import { createLoginCache, loginCacheDir } from '../login-cache.js';

export interface ClientCommandOptions {
  server: string;
  token?: string;
  user?: string;
  password?: string;
  json?: boolean;
}

/** --server/--token/--user/--password (each with its ORCHA_* variable) and --json, on one command. */
export function withClientOptions(command: Command): Command {
  return command
    .addOption(new Option('-s, --server <url>', 'orcha server address').env('ORCHA_URL').default(DEFAULT_SERVER_URL))
    .addOption(new Option('-t, --token <token>', 'API key or access token').env('ORCHA_TOKEN'))
    .addOption(new Option('-u, --user <username>', 'log in as this user (with --password)').env('ORCHA_USER'))
    .addOption(new Option('-P, --password <password>', 'password for --user').env('ORCHA_PASSWORD'))
    .option('--json', 'machine-readable JSON on stdout');
}

export function clientFrom(opts: ClientCommandOptions): OrchaClient {
  try {
    new URL(opts.server);
  } catch {
    throw new InvalidArgumentError(`--server: not a URL: ${opts.server}`);
  }
  const cacheDir = loginCacheDir();
  return createClient({
    server: opts.server,
    token: opts.token,
    user: opts.user,
    password: opts.password,
    loginCache: cacheDir ? createLoginCache(cacheDir) : undefined,
  });
}

const RELATIVE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A time argument: ISO 8601 (`2025-01-31`, `2025-01-31T12:00:00Z`), `now`, or an age such as `90m`, `24h`, `7d`
 * (that long ago). Returns ISO 8601 UTC; a bad value is a usage error (exit 2).
 */
export function parseTime(value: string, now = Date.now()): string {
  const v = value.trim();
  if (v.toLowerCase() === 'now') return new Date(now).toISOString();
  const rel = RELATIVE.exec(v);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!).toISOString();
  const ms = parseIsoTime(v); // without an offset: UTC, like the API
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('expected ISO 8601 (2025-01-31T12:00:00Z), "now", or an age like 24h or 7d');
  }
  return new Date(ms).toISOString();
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Epoch ms or ISO string (the API speaks ISO) -> a short local time. */
export function showTime(value: unknown): string {
  if (value === null || value === undefined) return '–';
  const ms = typeof value === 'number' ? value : Date.parse(String(value));
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : String(value);
}

export function fixed(value: unknown, digits = 4): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';
}
