/**
 * ISO 8601 times as orcha reads them everywhere (API queries, CLI arguments, the dashboard): a time without an
 * offset is UTC, never the machine's local time (JavaScript's Date.parse reads `2026-01-01T04:00` as local).
 */
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date or date-time (`2026-01-31`, `2026-01-31T12:00`, `...Z`, `...+01:00`); NaN otherwise. */
export function parseIsoTime(value: string): number {
  const m = ISO.exec(value.trim());
  if (!m) return Number.NaN;
  const [, date, time, zone] = m;
  if (!time) return Date.parse(`${date}T00:00:00Z`);
  const offset = !zone || zone === 'z' || zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  return Date.parse(`${date}T${time}${offset}`);
}
