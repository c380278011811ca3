/** Formatting and the tolerant time parsing the views share. */

/** Epoch ms from an ISO 8601 string or a number (ms, or seconds when small). NaN when unreadable. */
export function toMs(value: unknown): number {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return toMs(n);
    return Date.parse(value);
  }
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

export function usd(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `$${value.toFixed(digits)}`;
}

export function pct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(digits)} %`;
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

const TIME_FORMAT: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

/**
 * A time in this browser's time zone, with the zone named (`02/12/2026, 09:15:04 CET`). The API speaks UTC; the
 * page shows the reader's local time and says which zone that is.
 */
export function time(value: unknown): string {
  const ms = toMs(value);
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toLocaleString(undefined, TIME_FORMAT);
}

/** This browser's zone for the page header: `Europe/Berlin (UTC+1)`; `UTC` when the browser runs in UTC. */
export function zoneLabel(at: number = Date.now()): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const offsetMin = -new Date(at).getTimezoneOffset();
  if (offsetMin === 0 && /^(UTC|Etc\/UTC|Etc\/GMT|GMT)$/.test(name)) return 'Times in UTC';
  const sign = offsetMin < 0 ? '-' : '+';
  const hh = Math.floor(Math.abs(offsetMin) / 60);
  const mm = Math.abs(offsetMin) % 60;
  return `Times in ${name} (UTC${sign}${hh}${mm ? `:${String(mm).padStart(2, '0')}` : ''})`;
}

export function ago(value: unknown, now = Date.now()): string {
  const ms = toMs(value);
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** An amount in a protocol's own unit: more digits for small amounts, '–' when unknown. */
export function tokenAmount(value: number | null | undefined, token: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 2 : Math.abs(value) >= 1 ? 3 : 5;
  return `${value.toFixed(digits)} ${token}`.trim();
}
