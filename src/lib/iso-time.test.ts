import { afterEach, describe, expect, it } from 'vitest';
import { parseTime as cliTime } from '../cli/commands/common.js';
import { parseTime as queryTime } from '../http/query.js';
import { parseIsoTime } from './iso-time.js';

describe('parseIsoTime', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads a time without an offset as UTC, whatever the machine time zone', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC']) {
      process.env.TZ = zone;
      expect(new Date(parseIsoTime('2026-07-01T04:00')).toISOString(), zone).toBe('2026-07-01T04:00:00.000Z');
      expect(new Date(parseIsoTime('2026-07-01 04:00:30.5')).toISOString(), zone).toBe('2026-07-01T04:00:30.500Z');
      expect(new Date(parseIsoTime('2026-07-01')).toISOString(), zone).toBe('2026-07-01T00:00:00.000Z');
    }
  });

  it('honours an explicit offset', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(new Date(parseIsoTime('2026-07-01T04:00:00+02:00')).toISOString()).toBe('2026-07-01T02:00:00.000Z');
    expect(new Date(parseIsoTime('2026-07-01T04:00:00-0530')).toISOString()).toBe('2026-07-01T09:30:00.000Z');
    expect(new Date(parseIsoTime('2026-07-01t04:00z')).toISOString()).toBe('2026-07-01T04:00:00.000Z');
  });

  it('refuses what is not ISO 8601', () => {
    for (const bad of ['yesterday', '2026-13-01T00:00', '07/01/2026', '2026-07-01T25:00', '']) expect(parseIsoTime(bad), bad).toBeNaN();
  });

  it('is what API queries and CLI arguments use', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(new Date(queryTime('2026-01-15T04:00:00', 'from')).toISOString()).toBe('2026-01-15T04:00:00.000Z');
    expect(cliTime('2026-01-15T04:00')).toBe('2026-01-15T04:00:00.000Z');
    expect(() => cliTime('15.01.2026')).toThrow(/ISO 8601/);
  });
});
