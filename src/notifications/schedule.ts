/** Wall-clock windows in a time zone: quiet hours and digest times (HH:MM local). */

/** Minutes since local midnight and the local weekday (0 = Sunday) of `ms` in `timezone`. */
export function localTime(ms: number, timezone: string): { minutes: number; weekday: number; seconds: number } {
  let tz = timezone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    tz = 'UTC';
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '0';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { minutes: Number(get('hour')) * 60 + Number(get('minute')), weekday, seconds: Number(get('second')) };
}

export const hhmm = (s: string): number => {
  const [h = '0', m = '0'] = s.split(':');
  return Number(h) * 60 + Number(m);
};

/** When the quiet window containing `now` ends, or null when `now` is outside it. */
export function quietUntil(now: number, quiet: { start: string; end: string; timezone: string } | undefined): number | null {
  if (!quiet) return null;
  const start = hhmm(quiet.start);
  const end = hhmm(quiet.end);
  if (start === end) return null;
  const { minutes, seconds } = localTime(now, quiet.timezone);
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inside) return null;
  const left = (end - minutes + 1440) % 1440;
  return now + left * 60_000 - seconds * 1000 - (now % 1000);
}

/** The latest moment at or before `now` when the local clock read `time` (today's, or yesterday's if not yet). */
export function lastOccurrence(now: number, time: string, timezone: string): { at: number; weekday: number } {
  const { minutes, seconds, weekday } = localTime(now, timezone);
  const target = hhmm(time);
  const back = (minutes - target + 1440) % 1440;
  const at = now - back * 60_000 - seconds * 1000 - (now % 1000);
  const wd = minutes >= target ? weekday : (weekday + 6) % 7;
  return { at, weekday: wd };
}
