import { Type } from '@sinclair/typebox';
import { OrchaError } from '../lib/errors.js';
import { parseIsoTime } from '../lib/iso-time.js';

/** `from` / `to` query parameters: ISO 8601 date-time or date. */
export const IsoQuery = Type.String({
  description: 'ISO 8601 date-time (UTC unless an offset is given) or date',
  pattern: '^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:?\\d{2})?)?$',
});

export const StepQuery = Type.String({
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)?$',
  description: 'Bucket width: seconds (`300`) or with a unit (`5m`, `1h`, `1d`).',
});

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseStepMs(step: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(step);
  if (!m) throw new OrchaError('ORCHA_ERR_VALIDATION', 'Invalid step', [{ path: 'query.step', message: 'must be like 300, 5m or 1h' }]);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's'];
  if (ms < 1000) throw new OrchaError('ORCHA_ERR_VALIDATION', 'Step too small', [{ path: 'query.step', message: 'must be at least 1 second' }]);
  return ms;
}

export function parseTime(value: string, field: string): number {
  const t = parseIsoTime(value);
  if (!Number.isFinite(t)) throw new OrchaError('ORCHA_ERR_VALIDATION', `Invalid ${field}`, [{ path: `query.${field}`, message: 'must be an ISO 8601 date or date-time' }]);
  return t;
}

/** A [from, to] range from the query; defaults: the last `defaultMs` before `now`. */
export function parseRange(query: { from?: string; to?: string }, now: number, defaultMs: number): { from: number; to: number } {
  const to = query.to ? parseTime(query.to, 'to') : now;
  const from = query.from ? parseTime(query.from, 'from') : to - defaultMs;
  if (from > to) throw new OrchaError('ORCHA_ERR_VALIDATION', '`from` is after `to`', [{ path: 'query.from', message: 'must not be after to' }]);
  return { from, to };
}
