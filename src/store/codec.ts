/**
 * Fixed-point scales for the hot tables. Doubles cost 8 bytes each in SQLite; scaled integers cost 1-6, which is
 * what keeps 10,000 protocol samples under 1 MB (SPEC §10). Precision kept: 1e-9 USD and tokens, 1e-4 percent,
 * 1e-6 uptime, 1 µs latency, whole bytes.
 */
export const SCALE = {
  usd: 1e9,
  tokens: 1e9,
  percent: 1e4,
  uptime: 1e6,
  latencyMs: 1e3,
  bytes: 1,
} as const;

export type Scale = keyof typeof SCALE;

export function encode(value: number, scale: Scale): number {
  return Math.round(value * SCALE[scale]);
}

export function decode(value: number | string | null | undefined, scale: Scale): number {
  return value == null ? 0 : Number(value) / SCALE[scale];
}

/** A nullable measurement: NULL stays NULL (not measured), never 0. */
export function encodeOrNull(value: number | null | undefined, scale: Scale): number | null {
  return value == null ? null : encode(value, scale);
}

export function decodeOrNull(value: number | string | null | undefined, scale: Scale): number | null {
  return value == null ? null : Number(value) / SCALE[scale];
}

export const HOUR_MS = 3_600_000;

export function floorHour(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

export function ceilHour(t: number): number {
  return Math.ceil(t / HOUR_MS) * HOUR_MS;
}

export const DAY_MS = 86_400_000;

/** UTC day boundaries: the same epoch alignment as the SQL buckets, (t / step) * step. */
export function floorDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

export function ceilDay(t: number): number {
  return Math.ceil(t / DAY_MS) * DAY_MS;
}

export function toJson(value: unknown): string | null {
  return value == null ? null : JSON.stringify(value);
}

export function fromJson<T>(text: string | null): T | null {
  return text == null ? null : (JSON.parse(text) as T);
}

/** 0/1 flags: integers on both dialects so AVG(connected) works the same everywhere. */
export function flag(value: boolean): number {
  return value ? 1 : 0;
}
