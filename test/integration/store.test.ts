/** The storage suite, run once per dialect (SQLite and PostgreSQL) on real databases with real migrations. */
import { expect, it } from 'vitest';
import type { Snapshot } from '../../src/domain/sample.js';
import { isOrchaError } from '../../src/lib/errors.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { ProtocolPoint } from '../../src/store/types.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const MIN = 60_000;
/** An epoch-aligned day start, so hour and day buckets start exactly at T0. */
const T0 = Date.UTC(2025, 0, 6);

/** Two protocols sampled every `every` ms from `from` for `count` samples; values vary with the index. */
function series(from: number, count: number, every: number): Snapshot[] {
  return Array.from({ length: count }, (_, i) => {
    const t = from + i * every;
    return snapshot(t, [
      protocolSample('storj', t, { usdPerHour: i, earnedUsd: 0.001 * i, earnedTokens: 0.002 * i, uptime: 0.9, connected: i % 4 !== 0 }),
      protocolSample('golem', t, {
        type: 'golem',
        token: 'GLM',
        usdPerHour: 10,
        earnedUsd: 0.5,
        earnedTokens: 1.25,
        uptime: 1,
        payoutEvent: i === 3,
        allocation: { cpu: 50, memory: 40, bandwidth: 10, storage: 5 },
      }),
    ], { totalUsdPerHour: i + 10 });
  });
}

function byProtocol(points: ProtocolPoint[], protocol: string): ProtocolPoint[] {
  return points.filter((p) => p.protocol === protocol);
}

describeEachStore('metrics store', (factory) => {
  const store = useStore(factory);

  it('returns the latest snapshot exactly as it was inserted', async () => {
    const older = snapshot(T0, [protocolSample('storj', T0)]);
    const t = T0 + 5_000;
    const latest = snapshot(t, [
      protocolSample('storj', t + 120, { earnedUsd: 0.000123456, usdPerHour: 0.123456789, cumulativeTokens: 1234.567891234, latencyMs: 12.345 }),
      protocolSample('mysterium', t, {
        type: 'mysterium',
        token: 'MYST',
        connected: false,
        error: 'ECONNREFUSED',
        cumulativeTokens: null,
        earnedTokens: 0,
        earnedUsd: 0,
        usdPerHour: 0,
        payoutEvent: true,
        uptime: 0.5,
        allocation: { cpu: 33.3333, memory: 12.5, bandwidth: 0, storage: 100 },
        // No container: its use is not measured, stored and read back as null (never 0).
        cpuPercent: null,
        memoryBytes: null,
        bandwidthBytesPerSec: null,
        blockIoBytesPerSec: null,
        resourcesMeasured: false,
      }),
    ]);
    await store().metrics.insertSnapshot(older);
    await store().metrics.insertSnapshot(latest);
    expect(await store().metrics.latest()).toEqual(latest);
    expect(await store().metrics.count()).toEqual({ snapshots: 2, protocolRows: 3, rollups: 0 });
  });

  it('returns null as the latest snapshot of an empty database', async () => {
    expect(await store().metrics.latest()).toBeNull();
  });

  it('stores large batches whole, beyond one statement’s variable limit', async () => {
    await store().metrics.insertSnapshots(series(T0, 2_500, 5_000));
    expect(await store().metrics.count()).toEqual({ snapshots: 2_500, protocolRows: 5_000, rollups: 0 });
  });

  it('rejects a snapshot whose time is taken and leaves nothing partial behind', async () => {
    await store().metrics.insertSnapshots(series(T0, 3, MIN));
    const clash = series(T0 + 2 * MIN, 3, MIN); // its first snapshot collides, the other two are new
    const err = await store().metrics.insertSnapshots(clash).catch((e: unknown) => e);
    expect(isOrchaError(err, 'ORCHA_ERR_CONFLICT')).toBe(true);
    expect(await store().metrics.count()).toEqual({ snapshots: 3, protocolRows: 6, rollups: 0 });
  });

  it('downsamples snapshot history into step buckets with correct averages', async () => {
    await store().metrics.insertSnapshots(series(T0, 10, MIN)); // totalUsdPerHour = 10..19
    const raw = await store().metrics.history({ from: T0, to: T0 + 9 * MIN });
    expect(raw.map((p) => p.totalUsdPerHour)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    const buckets = await store().metrics.history({ from: T0, to: T0 + 9 * MIN, stepMs: 5 * MIN });
    expect(buckets.map((p) => [p.time, p.totalUsdPerHour])).toEqual([
      [T0, 12],
      [T0 + 5 * MIN, 17],
    ]);
    expect(buckets[0]).toMatchObject({ cpuPercent: 35.5, memoryPercent: 50, bandwidthPercent: 20, storagePercent: 25 });

    const clipped = await store().metrics.history({ from: T0 + 2 * MIN, to: T0 + 6 * MIN, stepMs: 5 * MIN });
    expect(clipped.map((p) => [p.time, p.totalUsdPerHour])).toEqual([
      [T0, 13],
      [T0 + 5 * MIN, 15.5],
    ]);
  });

  it('downsamples protocol history: averaged rates, summed earnings, connected fraction, sample counts', async () => {
    await store().metrics.insertSnapshots(series(T0, 8, MIN));
    const points = await store().metrics.protocolHistory({ from: T0, to: T0 + 7 * MIN, stepMs: 4 * MIN });
    const storj = byProtocol(points, 'storj');
    expect(storj).toHaveLength(2);
    expect(storj[0]!.time).toBe(T0);
    expect(storj[0]!.usdPerHour).toBeCloseTo(1.5, 9); // (0+1+2+3)/4
    expect(storj[0]!.earnedUsd).toBeCloseTo(0.006, 9); // 0.001 * (0+1+2+3)
    expect(storj[0]!.earnedTokens).toBeCloseTo(0.012, 9);
    expect(storj[0]!.connected).toBeCloseTo(0.75, 9); // i=0 disconnected
    expect(storj[0]!.samples).toBe(4);
    expect(storj[1]!.usdPerHour).toBeCloseTo(5.5, 9);
    const golem = byProtocol(points, 'golem');
    expect(golem[0]).toMatchObject({ usdPerHour: 10, earnedUsd: 2, earnedTokens: 5, allocCpu: 50, allocStorage: 5, samples: 4 });

    const onlyGolem = await store().metrics.protocolHistory({ from: T0, to: T0 + 7 * MIN, stepMs: 4 * MIN, protocol: 'golem' });
    expect(onlyGolem.map((p) => p.protocol)).toEqual(['golem', 'golem']);
    expect(await store().metrics.protocolHistory({ from: T0, to: T0 + 7 * MIN, protocol: 'nope' })).toEqual([]);
  });

  it('totals earnings per protocol over a period, with payout events', async () => {
    await store().metrics.insertSnapshots(series(T0, 10, MIN));
    const totals = await store().metrics.earningsTotals({ from: T0, to: T0 + 9 * MIN });
    expect(totals.map((t) => t.protocol)).toEqual(['golem', 'storj']);
    expect(totals[0]).toMatchObject({ protocol: 'golem', token: 'GLM', payoutEvents: 1 });
    expect(totals[0]!.usd).toBeCloseTo(5, 9);
    expect(totals[0]!.tokens).toBeCloseTo(12.5, 9);
    expect(totals[1]!.usd).toBeCloseTo(0.045, 9); // 0.001 * (0+...+9)

    const part = await store().metrics.earningsTotals({ from: T0 + 5 * MIN, to: T0 + 6 * MIN });
    expect(part.find((t) => t.protocol === 'golem')!.usd).toBeCloseTo(1, 9);
    expect(await store().metrics.earningsTotals({ from: T0 - HOUR, to: T0 - 1 })).toEqual([]);
  });

  it('averages uptime per protocol, optionally for one protocol', async () => {
    await store().metrics.insertSnapshots(series(T0, 6, MIN));
    const all = await store().metrics.averageUptime({ from: T0, to: T0 + 5 * MIN });
    expect(all.map((u) => u.protocol)).toEqual(['golem', 'storj']);
    expect(all[0]!.uptime).toBeCloseTo(1, 9);
    expect(all[1]!.uptime).toBeCloseTo(0.9, 9);
    const one = await store().metrics.averageUptime({ from: T0, to: T0 + 5 * MIN }, 'storj');
    expect(one).toHaveLength(1);
    expect(one[0]!.uptime).toBeCloseTo(0.9, 9);
  });

  it('rolls up whole hours idempotently and keeps answering from rollups after retention deletes raw rows', async () => {
    const m = store().metrics;
    await m.insertSnapshots(series(T0, 18, 10 * MIN)); // three hours, six samples per hour
    const range = { from: T0, to: T0 + 3 * HOUR - 1 };
    const hourly = await m.protocolHistory({ ...range, stepMs: HOUR });
    const hostHourly = await m.history({ ...range, stepMs: HOUR });
    const totals = await m.earningsTotals(range);
    const uptime = await m.averageUptime(range);

    expect(await m.rollup({ from: T0, to: T0 + 3 * HOUR })).toBe(6);
    expect(await m.rollup({ from: T0, to: T0 + 3 * HOUR })).toBe(6);
    expect((await m.count()).rollups).toBe(6);
    // Rollups answer exactly what raw rows answered.
    expect(await m.protocolHistory({ ...range, stepMs: HOUR })).toEqual(closeTo(hourly));

    // Retention: the first two hours of raw rows go.
    expect(await m.deleteRawBefore(T0 + 2 * HOUR)).toBe(12 + 24);
    expect(await m.count()).toEqual({ snapshots: 6, protocolRows: 12, rollups: 6 });
    // Recomputing after the delete must not overwrite good rollups with nothing.
    await m.rollup({ from: T0, to: T0 + 3 * HOUR });

    expect(await m.protocolHistory({ ...range, stepMs: HOUR })).toEqual(closeTo(hourly));
    expect(await m.history({ ...range, stepMs: HOUR })).toEqual(closeTo(hostHourly));
    const day = await m.protocolHistory({ ...range, stepMs: 24 * HOUR });
    expect(byProtocol(day, 'storj')[0]!.samples).toBe(18);
    expect(byProtocol(day, 'storj')[0]!.usdPerHour).toBeCloseTo(8.5, 9); // mean of 0..17
    expect(await m.earningsTotals(range)).toEqual(closeTo(totals));
    expect(await m.averageUptime(range)).toEqual(closeTo(uptime));
    // Without a step, the deleted part comes back as one point per hour.
    const raw = byProtocol(await m.protocolHistory(range), 'golem');
    expect(raw.map((p) => p.samples)).toEqual([6, 6, 1, 1, 1, 1, 1, 1]);

    expect(await m.deleteRollupsBefore(T0 + HOUR + 30 * MIN)).toBe(2 + 1);
    expect((await m.count()).rollups).toBe(4);
  });

  it('streams raw protocol rows in time order, page by page', async () => {
    await store().metrics.insertSnapshots(series(T0, 25, MIN));
    const pages: ProtocolPoint[][] = [];
    for await (const page of store().metrics.iterateProtocolRows({ from: T0 + MIN, to: T0 + 20 * MIN }, 10)) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10]);
    const rows = pages.flat();
    expect(rows.map((r) => r.time)).toEqual([...rows.map((r) => r.time)].sort((a, b) => a - b));
    expect(rows[0]!.time).toBe(T0 + MIN);
    expect(rows.at(-1)!.time).toBe(T0 + 20 * MIN);
    const storjOnly: ProtocolPoint[] = [];
    for await (const page of store().metrics.iterateProtocolRows({ from: T0, to: T0 + HOUR, protocol: 'storj' }, 7)) storjOnly.push(...page);
    expect(storjOnly).toHaveLength(25);
    expect(storjOnly[3]).toMatchObject({ protocol: 'storj', usdPerHour: 3, connected: 1, samples: 1 });
  });
});

describeEachStore('migrations', (factory) => {
  it('apply once, then report nothing to do', async () => {
    const store = await factory.create({ migrate: false });
    try {
      // Every migration the code ships, in order (a new one joins the list without editing this test).
      const shipped = Object.keys(await migrationProvider(store.dialect).getMigrations());
      expect(shipped.slice(0, 9)).toEqual(['001-initial', '002-daily-rollups', '003-node-health', '004-notification-outbox', '005-energy', '006-fleet', '007-measured-resources', '008-engine-state', '009-agent-spool']);
      expect(await store.migrate()).toEqual(shipped);
      expect(await store.migrate()).toEqual([]);
      await store.ping();
      expect(await store.metrics.count()).toEqual({ snapshots: 0, protocolRows: 0, rollups: 0 });
    } finally {
      await store.close();
    }
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
