/**
 * Which part of a time range is read from hourly rollups and which from raw rows. Pure, so the edge cases are
 * unit-tested without a database.
 */
import { ceilDay, ceilHour, DAY_MS, floorDay, floorHour } from '../codec.js';

export interface Coverage {
  /** Oldest raw snapshot time, null when there are no raw rows. */
  rawStart: number | null;
  /** End (exclusive) of the newest rolled-up hour, null when nothing was rolled up. */
  rollupEnd: number | null;
}

/** Half-open [from, to). */
export interface Span {
  from: number;
  to: number;
}

export interface RangePlan {
  /** Hours [from, to) read from rollups (hour-aligned), or null. */
  rollup: Span | null;
  /** Raw spans, in time order. */
  raw: Span[];
}

/**
 * `range.to` is inclusive. With `preferRollups` (steps that are whole hours, totals), every rolled-up whole hour in
 * the range comes from rollups, so a year-long query reads ~9,000 rows per protocol instead of millions. Otherwise
 * rollups only fill what raw retention already deleted.
 */
export function planRange(range: { from: number; to: number }, coverage: Coverage, preferRollups: boolean): RangePlan {
  const end = range.to + 1;
  const all: RangePlan = { rollup: null, raw: [{ from: range.from, to: end }] };
  if (coverage.rollupEnd === null || end <= range.from) return all;
  const split = preferRollups
    ? coverage.rollupEnd
    : coverage.rawStart === null
      ? coverage.rollupEnd
      : Math.min(ceilHour(coverage.rawStart), coverage.rollupEnd);
  // Preferring rollups, partial edge hours still come from raw rows; filling gaps, an edge hour whose raw rows are
  // gone is better approximated by its rollup than dropped.
  const hourFrom = preferRollups ? ceilHour(range.from) : floorHour(range.from);
  const hourTo = Math.min(split, preferRollups ? floorHour(end) : ceilHour(end));
  if (hourTo <= hourFrom) return all;
  const raw: Span[] = [];
  if (range.from < hourFrom) raw.push({ from: range.from, to: hourFrom });
  if (hourTo < end) raw.push({ from: Math.max(hourTo, range.from), to: end });
  return { rollup: { from: hourFrom, to: hourTo }, raw };
}

/** True when buckets of this width are made of whole, epoch-aligned hours. */
export function isWholeHours(stepMs: number | undefined): boolean {
  return stepMs !== undefined && stepMs >= 3_600_000 && stepMs % 3_600_000 === 0;
}

/** True when buckets of this width are made of whole, epoch-aligned (UTC) days. */
export function isWholeDays(stepMs: number | undefined): boolean {
  return stepMs !== undefined && stepMs >= DAY_MS && stepMs % DAY_MS === 0;
}

export interface RollupSplit {
  /** Whole UTC days [from, to), read from daily rollups, or null. */
  days: Span | null;
  /** The hours at either edge, read from hourly rollups, in time order. */
  hours: Span[];
}

/**
 * Splits an hour-aligned rollup span into its whole days and the hours around them. A day row always aggregates
 * exactly the hourly rows of its day (both are rewritten together), so either source answers the same.
 */
export function splitDays(span: Span): RollupSplit {
  const dayFrom = ceilDay(span.from);
  const dayTo = floorDay(span.to);
  if (dayTo <= dayFrom) return { days: null, hours: [span] };
  const hours: Span[] = [];
  if (span.from < dayFrom) hours.push({ from: span.from, to: dayFrom });
  if (dayTo < span.to) hours.push({ from: dayTo, to: span.to });
  return { days: { from: dayFrom, to: dayTo }, hours };
}

/**
 * A plan that prefers rollups (`planRange` with `preferRollups`), except that a partial hour at either edge whose raw
 * rows are all gone (the whole hour before the oldest raw row) is read from its rollup too: better approximated by
 * its rollup than dropped. Used where a remote host's closed hours are rolled up as they close (fleet reads).
 */
export function planRollupsFirst(range: { from: number; to: number }, coverage: Coverage): RangePlan {
  const end = range.to + 1;
  const all: RangePlan = { rollup: null, raw: [{ from: range.from, to: end }] };
  if (coverage.rollupEnd === null || end <= range.from) return all;
  const gone = Math.min(coverage.rawStart === null ? Infinity : floorHour(coverage.rawStart), coverage.rollupEnd);
  let hourFrom = ceilHour(range.from);
  let hourTo = Math.min(coverage.rollupEnd, floorHour(end));
  if (floorHour(range.from) < range.from && ceilHour(range.from) <= gone) hourFrom = floorHour(range.from);
  if (floorHour(end) < end && ceilHour(end) <= gone) hourTo = Math.max(hourTo, ceilHour(end));
  if (hourTo <= hourFrom) return all;
  const raw: Span[] = [];
  if (range.from < hourFrom) raw.push({ from: range.from, to: hourFrom });
  if (hourTo < end) raw.push({ from: Math.max(hourTo, range.from), to: end });
  return { rollup: { from: hourFrom, to: hourTo }, raw };
}
