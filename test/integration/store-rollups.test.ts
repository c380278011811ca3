/**
 * Daily rollups (migration 002) on SQLite and PostgreSQL: whole days of long ranges are read from one row per protocol
 * per day, which must answer exactly what the hourly rollups and the raw rows beneath them answer, through every way
 * hourly rows change (rollups all at once or hour by hour, retention of raw rows and of rollups) and for databases
 * rolled up before the daily level existed.
 */
import { expect, it } from 'vitest';
import type { Snapshot } from '../../src/domain/sample.js';
import type { MetricsRepository, ProtocolPoint, TimeRange } from '../../src/store/types.js';
import { describeEachStore, protocolSample, rawQuery, reopenStore, snapshot, useStore } from '../helpers/stores.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A UTC day start: day buckets are UTC days. */
const T0 = Date.UTC(2025, 0, 6);
/** Samples every 20 minutes from T0 + 5 h to T0 + 3 d + 6 h 40 min: partial first and last days. */
const FIRST = T0 + 5 * HOUR;
const COUNT = 222;
const LAST = FIRST + (COUNT - 1) * 20 * MIN;

function series(): Snapshot[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const t = FIRST + i * 20 * MIN;
    return snapshot(
      t,
      [
        protocolSample('storj', t, { usdPerHour: i % 17, earnedUsd: 0.001 * (i % 5), uptime: (i % 10) / 10, connected: i % 3 !== 0, cpuPercent: i % 50 }),
        protocolSample('golem', t, {
          type: 'golem',
          token: 'GLM',
          usdPerHour: 2 + (i % 7),
          earnedTokens: 0.5,
          payoutEvent: i % 40 === 0,
          allocation: { cpu: 10 + (i % 3), memory: 40, bandwidth: 10, storage: 5 },
        }),
      ],
      { totalUsdPerHour: i % 23 },
    );
  });
}

const WHOLE: TimeRange = { from: T0, to: T0 + 4 * DAY - 1 };
/** Starts and ends inside hours and inside days. */
const EDGES: TimeRange = { from: T0 + 6 * HOUR + 10 * MIN, to: T0 + 3 * DAY + 5 * HOUR + 30 * MIN };
const STEPS = [HOUR, 3 * HOUR, DAY, 2 * DAY];

async function answers(m: MetricsRepository, range: TimeRange) {
  const out: Record<string, unknown> = {
    totals: await m.earningsTotals(range),
    uptime: await m.averageUptime(range),
  };
  for (const stepMs of STEPS) {
    out[`protocols/${stepMs}`] = await m.protocolHistory({ ...range, stepMs });
    out[`storj/${stepMs}`] = await m.protocolHistory({ ...range, stepMs, protocol: 'storj' });
    out[`host/${stepMs}`] = await m.history({ ...range, stepMs });
  }
  return out;
}

/** Hourly points folded into UTC days the way the store averages: by samples, earnings summed. */
function toDays(hourly: ProtocolPoint[]): ProtocolPoint[] {
  const days = new Map<string, ProtocolPoint>();
  const averaged = ['usdPerHour', 'connected', 'uptime', 'cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec', 'storageBytes', 'allocCpu', 'allocMemory', 'allocBandwidth', 'allocStorage'] as const;
  for (const p of hourly) {
    const time = Math.floor(p.time / DAY) * DAY;
    const key = `${time}/${p.protocol}`;
    const d = days.get(key);
    if (!d) {
      days.set(key, { ...p, time });
      continue;
    }
    const total = d.samples + p.samples;
    for (const f of averaged) {
      const a = d[f];
      const b = p[f];
      (d as unknown as Record<string, number | null>)[f] = a === null || b === null ? (a ?? b) : (a * d.samples + b * p.samples) / total;
    }
    d.earnedUsd += p.earnedUsd;
    d.earnedTokens += p.earnedTokens;
    d.samples = total;
  }
  return [...days.values()];
}

async function count(store: Parameters<typeof rawQuery>[0], table: string): Promise<number> {
  return Number((await rawQuery(store, `select count(*) as n from ${table}`))[0]!.n);
}

describeEachStore('daily rollups', (factory) => {
  const store = useStore(factory);

  it('answer every step, range and total exactly as the hourly rollups and raw rows did', async () => {
    const m = store().metrics;
    await m.insertSnapshots(series());
    const whole = await answers(m, WHOLE);
    const edges = await answers(m, EDGES);

    await m.rollup({ from: T0, to: T0 + 4 * DAY });
    // Two protocols on four UTC days; the host series on the same four days.
    expect(await count(store(), 'metrics_daily')).toBe(8);
    expect(await count(store(), 'metrics_host_daily')).toBe(4);
    expect(await answers(m, WHOLE)).toEqual(closeTo(whole));
    expect(await answers(m, EDGES)).toEqual(closeTo(edges));

    // Late samples (a backfill) in one hour of a finished day: rolling up that hour alone updates the day too.
    const late = [T0 + DAY + 10 * HOUR + 5 * MIN, T0 + DAY + 10 * HOUR + 25 * MIN].map((t) =>
      snapshot(t, [protocolSample('storj', t, { usdPerHour: 100, earnedUsd: 1 }), protocolSample('golem', t, { type: 'golem', token: 'GLM', usdPerHour: 50 })]),
    );
    await m.insertSnapshots(late);
    // What the raw rows say, from a second database that was never rolled up.
    const unrolled = await factory.create();
    let lateWhole: Awaited<ReturnType<typeof answers>>;
    try {
      await unrolled.metrics.insertSnapshots([...series(), ...late]);
      lateWhole = await answers(unrolled.metrics, WHOLE);
    } finally {
      await unrolled.close();
    }
    expect(lateWhole).not.toEqual(closeTo(whole));
    await m.rollup({ from: T0 + DAY + 10 * HOUR, to: T0 + DAY + 11 * HOUR });
    expect(await answers(m, WHOLE)).toEqual(closeTo(lateWhole));

    // Retention: every raw row but the last hour's goes; whole-hour ranges still answer the same.
    await m.deleteRawBefore(Math.floor(LAST / HOUR) * HOUR);
    expect(await answers(m, WHOLE)).toEqual(closeTo(lateWhole));
    const daily = await m.protocolHistory({ ...WHOLE, stepMs: DAY });
    expect(daily).toEqual(closeTo(toDays(await m.protocolHistory({ ...WHOLE, stepMs: HOUR }))));
    expect(daily.map((p) => p.samples)).toEqual([57, 57, 74, 74, 72, 72, 21, 21]);
  });

  it('stay equal to their hours when rolled up hour by hour and when rollup retention cuts a day in two', async () => {
    const m = store().metrics;
    await m.insertSnapshots(series());
    const whole = await answers(m, WHOLE);
    // As the retention job does: each run rolls up the hours since the previous one.
    for (let h = 0; h < 4 * 24; h++) await m.rollup({ from: T0 + h * HOUR, to: T0 + (h + 1) * HOUR });
    await m.deleteRawBefore(Math.floor(LAST / HOUR) * HOUR);
    expect(await answers(m, WHOLE)).toEqual(closeTo(whole));

    // Rollups older than T0 + 1 d + 6 h go: day 0 entirely, day 1 keeps its last 18 hours.
    await m.deleteRollupsBefore(T0 + DAY + 6 * HOUR + 30 * MIN);
    expect(await count(store(), 'metrics_host_daily')).toBe(3);
    const daily = await m.protocolHistory({ ...WHOLE, stepMs: DAY });
    expect(daily[0]).toMatchObject({ time: T0 + DAY, samples: 18 * 3 });
    expect(daily).toEqual(closeTo(toDays(await m.protocolHistory({ ...WHOLE, stepMs: HOUR }))));
    const hostDaily = await m.history({ ...WHOLE, stepMs: DAY });
    const hostHourly = await m.history({ from: T0 + DAY, to: T0 + 2 * DAY - 1, stepMs: HOUR });
    expect(hostDaily[0]!.time).toBe(T0 + DAY);
    expect(hostDaily[0]!.cpuPercent).toBeCloseTo(hostHourly.reduce((s, p) => s + p.cpuPercent, 0) / hostHourly.length, 9);
    const totals = await m.earningsTotals(WHOLE);
    expect(totals.find((t) => t.protocol === 'golem')!.tokens).toBeCloseTo(0.5 * daily.filter((p) => p.protocol === 'golem').reduce((s, p) => s + p.samples, 0), 9);
  });

  it('are computed by the migration for a database rolled up before they existed', async () => {
    const m = store().metrics;
    await m.insertSnapshots(series());
    await m.rollup({ from: T0, to: T0 + 4 * DAY });
    await m.deleteRawBefore(Math.floor(LAST / HOUR) * HOUR);
    const whole = await answers(m, WHOLE);
    // Make the database what version 001 left behind.
    await rawQuery(store(), 'drop table metrics_daily');
    await rawQuery(store(), 'drop table metrics_host_daily');
    await rawQuery(store(), "delete from kysely_migration where name = '002-daily-rollups'");

    const upgraded = await reopenStore(store(), { migrate: false });
    try {
      expect(await upgraded.migrate()).toEqual(['002-daily-rollups']);
      expect(await count(store(), 'metrics_daily')).toBe(8);
      expect(await answers(upgraded.metrics, WHOLE)).toEqual(closeTo(whole));
    } finally {
      await upgraded.close();
    }
  });

  it('see protocols that another process started recording', async () => {
    const m = store().metrics;
    await m.insertSnapshot(snapshot(T0, [protocolSample('storj', T0)]));
    expect((await m.protocolHistory({ ...WHOLE, stepMs: HOUR })).map((p) => p.protocol)).toEqual(['storj']);
    const other = await reopenStore(store());
    try {
      await other.metrics.insertSnapshot(snapshot(T0 + MIN, [protocolSample('storj', T0 + MIN), protocolSample('golem', T0 + MIN, { type: 'golem' })]));
    } finally {
      await other.close();
    }
    expect((await m.protocolHistory({ ...WHOLE, stepMs: HOUR })).map((p) => [p.protocol, p.samples])).toEqual([
      ['golem', 1],
      ['storj', 2],
    ]);
    expect(await m.protocolHistory({ ...WHOLE, stepMs: DAY, protocol: 'golem' })).toHaveLength(1);
  });
});

/** Deep equality with numbers compared to 9 digits (sums of doubles differ in the last bits by read path). */
function closeTo<T>(value: T): T {
  if (typeof value === 'number') return expect.closeTo(value, 9) as T;
  if (Array.isArray(value)) return value.map(closeTo) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closeTo(v)])) as T;
  }
  return value;
}
