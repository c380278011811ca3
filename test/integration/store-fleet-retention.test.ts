/** Retention of remote hosts' rows (storage.retention on the fleet tables), on real SQLite and PostgreSQL. */
import { expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { ProtocolPoint, SnapshotPoint } from '../../src/store/types.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const STEP = 10 * 60_000;

/** Three days of 10-minute snapshots, figures varying per snapshot; golem's CPU is measured on every other one. */
function snaps(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const t = from + i * STEP;
    return snapshot(
      t,
      [
        protocolSample('storj', t, { usdPerHour: 0.1 + (i % 7) * 0.01, earnedUsd: 0.001 * (1 + (i % 5)), earnedTokens: 0.002 * (1 + (i % 3)), cpuPercent: 10 + (i % 4) }),
        protocolSample('golem', t, { usdPerHour: 0.2, earnedUsd: 0.0005 * (i % 2), connected: i % 6 !== 0, cpuPercent: i % 2 ? 30 : null }),
      ],
      { host: { cpuCount: 4, cpuPercent: 20 + (i % 9), memoryTotalBytes: 8e9, memoryUsedBytes: 2e9 + i * 1e6, bandwidthCapacityBytesPerSec: 1e7, bandwidthBytesPerSec: 1e6, storageTotalBytes: 1e12, storageUsedBytes: 5e11 } },
    );
  });
}

const earned = (points: ProtocolPoint[]) => points.reduce((s, p) => s + p.earnedUsd, 0);
const tokens = (points: ProtocolPoint[]) => points.reduce((s, p) => s + p.earnedTokens, 0);

function expectSamePoints(after: SnapshotPoint[], before: SnapshotPoint[]) {
  expect(after.map((p) => p.time)).toEqual(before.map((p) => p.time));
  after.forEach((p, i) => {
    for (const k of ['totalUsdPerHour', 'cpuPercent', 'memoryPercent', 'bandwidthPercent', 'storagePercent'] as const) expect(p[k]).toBeCloseTo(before[i]![k], 9);
  });
}

function expectSameProtocols(after: ProtocolPoint[], before: ProtocolPoint[]) {
  expect(after.map((p) => `${p.time}:${p.protocol}:${p.samples}`)).toEqual(before.map((p) => `${p.time}:${p.protocol}:${p.samples}`));
  after.forEach((p, i) => {
    const b = before[i]!;
    for (const k of ['usdPerHour', 'earnedUsd', 'earnedTokens', 'connected', 'uptime', 'storageBytes', 'allocCpu', 'allocStorage'] as const) expect(p[k]).toBeCloseTo(b[k], 9);
    for (const k of ['cpuPercent', 'memoryBytes'] as const) {
      if (b[k] === null) expect(p[k]).toBeNull();
      else expect(p[k]).toBeCloseTo(b[k]!, 6);
    }
  });
}

describeEachStore('fleet retention', (factory) => {
  const store = useStore(factory);

  it('rolls up and deletes raw rows past rawDays, keeps the totals and the history, deletes rollups past rollupDays', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('rack-1', 'admin');
    const host = await fleet.host('rack-1');
    const all = snaps(T0, (3 * DAY) / STEP);
    for (let i = 0; i < all.length; i += 100) await fleet.ingest(host, { batchId: `b-${i}`, agentVersion: '0.2.0', snapshots: all.slice(i, i + 100) });

    const range = { from: T0, to: T0 + 3 * DAY - 1 };
    const read = async () => ({
      hourly: await fleet.fullHistory(host, { ...range, stepMs: HOUR }),
      daily: await fleet.fullHistory(host, { ...range, stepMs: DAY }),
      storj: await fleet.fullHistory(host, { ...range, stepMs: 6 * HOUR, protocol: 'storj' }),
    });
    const before = await read();
    expect(before.hourly.points).toHaveLength(72);

    // 3 days and 30 minutes later, rawDays 2: everything before T0 + 1 day (+ the 30 minutes, floored to the hour) goes.
    await clock.advance(3 * DAY + 30 * 60_000);
    let config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    const job = createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config });
    const result = await job.run();
    const cutoff = T0 + DAY;
    expect(result.rawDeleted).toBe((DAY / STEP) * 3); // one day of snapshots and their two protocols' samples
    expect(result.rollupRows).toBe(72 * 3); // every closed hour: an hourly row for the host and for each protocol

    const oldRaw = await rawQuery(store(), `select count(*) as n from host_protocol_samples where time < ${cutoff}`);
    expect(Number(oldRaw[0]!.n)).toBe(0);
    expect(await store().fleet.totals(host.id)).toEqual({ snapshots: (2 * DAY) / STEP, protocolSamples: (4 * DAY) / STEP });

    const after = await read();
    expectSamePoints(after.hourly.points, before.hourly.points);
    expectSamePoints(after.daily.points, before.daily.points);
    expectSameProtocols(after.hourly.protocols, before.hourly.protocols);
    expectSameProtocols(after.daily.protocols, before.daily.protocols);
    expectSameProtocols(after.storj.protocols, before.storj.protocols);
    expect(earned(after.daily.protocols)).toBeCloseTo(earned(before.daily.protocols), 9);
    expect(tokens(after.daily.protocols)).toBeCloseTo(tokens(before.daily.protocols), 9);
    // A raw read (no step) answers the rolled-up day hour by hour, then sample by sample.
    const raw = await fleet.fullHistory(host, range);
    expect(raw.points.filter((p) => p.time < cutoff).map((p) => p.time)).toEqual(Array.from({ length: 24 }, (_, h) => T0 + h * HOUR));
    expect(raw.points.filter((p) => p.time >= cutoff)).toHaveLength((2 * DAY) / STEP);
    expect(earned(raw.protocols)).toBeCloseTo(earned(before.daily.protocols), 9);

    // Run again: nothing more to do, nothing counted twice.
    expect(await job.run()).toMatchObject({ rollupRows: 0, rawDeleted: 0 });
    expect(earned((await read()).daily.protocols)).toBeCloseTo(earned(before.daily.protocols), 9);

    // Rollups older than rollupDays go too.
    config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 2.5 } } }, {});
    const expired = await job.run();
    expect(expired.rollupsDeleted).toBe(12 * 3); // the first 12 hours (3 days 30 min - 2.5 days, floored to the hour)
    const left = await fleet.fullHistory(host, { ...range, stepMs: HOUR });
    expect(left.points[0]!.time).toBe(T0 + 12 * HOUR);
  });

  it('never counts a batch twice when it is resent after its raw rows and batch id are gone; newer late snapshots still count', async () => {
    const clock = new VirtualClock(T0 + 10 * DAY);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('edge', null);
    const host = await fleet.host('edge');
    const first = snaps(T0, 3); // 00:00, 00:10, 00:20
    const sameHour = snaps(T0 + 30 * 60_000, 3); // 00:30, 00:40, 00:50: the rolled-up hour, never sent before
    const later = snaps(T0 + 2 * HOUR, 3); // 02:00 ... 02:20: older than rawDays, but after every rolled-up hour
    expect(await fleet.ingest(host, { batchId: 'first', agentVersion: '0.2.0', snapshots: first })).toEqual({ result: 'stored', snapshots: 3, expired: 0 });
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    const job = createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config });
    expect(await job.run()).toMatchObject({ rawDeleted: 3 * 3 });
    // Batch ids go rawDays after receipt (this one arrived just now, for the test's sake): as if that had passed.
    await rawQuery(store(), 'delete from agent_batches');
    const hour0 = async () => (await fleet.fullHistory(host, { from: T0, to: T0 + HOUR - 1, stepMs: HOUR })).protocols.find((p) => p.protocol === 'storj');
    const storj = first.map((s) => s.protocols[0]!);
    const expectHour0 = async () => {
      const point = await hour0();
      expect(point!.samples).toBe(3);
      expect(point!.earnedUsd).toBeCloseTo(storj.reduce((sum, p) => sum + p.earnedUsd, 0), 9);
    };
    await expectHour0();

    // The agent never got the acknowledgement and replays the batch weeks later: its batch id and raw rows are gone,
    // but its snapshots are older than the host's horizon (the end of its newest rolled-up hour): not stored, and the
    // answer says so (the agent drops them). So is a first-time snapshot of that hour: the two cannot be told apart.
    expect(await fleet.ingest(host, { batchId: 'first', agentVersion: '0.2.0', snapshots: first })).toEqual({ result: 'stored', snapshots: 3, expired: 3 });
    expect(await fleet.ingest(host, { batchId: 'same-hour', agentVersion: '0.2.0', snapshots: sameHour })).toEqual({ result: 'stored', snapshots: 3, expired: 3 });
    // A batch with newer snapshots than the horizon keeps them, even past rawDays: they were never rolled up.
    expect(await fleet.ingest(host, { batchId: 'later', agentVersion: '0.2.0', snapshots: [...sameHour, ...later] })).toEqual({
      result: 'stored',
      snapshots: 6,
      expired: 3,
    });
    await job.run();
    await expectHour0();
    const hour2 = (await fleet.fullHistory(host, { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR - 1, stepMs: HOUR })).protocols.find((p) => p.protocol === 'storj');
    expect(hour2!.samples).toBe(3);
    // The day they fall in was recomputed from its hours: its daily row counts both hours' samples, once.
    const day0 = (await fleet.fullHistory(host, { from: T0, to: T0 + DAY - 1, stepMs: DAY })).protocols.find((p) => p.protocol === 'storj');
    expect(day0!.samples).toBe(6);
    // Resending that one too (its batch id gone with retention) changes nothing.
    await rawQuery(store(), 'delete from agent_batches');
    expect(await fleet.ingest(host, { batchId: 'later', agentVersion: '0.2.0', snapshots: later })).toMatchObject({ expired: 3 });
    await job.run();
    expect((await fleet.fullHistory(host, { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR - 1, stepMs: HOUR })).protocols.find((p) => p.protocol === 'storj')!.samples).toBe(3);
    const rows = await rawQuery(store(), 'select count(*) as n from host_snapshots');
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('keeps daily rollups beside the hourly ones, reads whole days from them at day steps, and drops them with the hours', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('rack-9', null);
    const host = await fleet.host('rack-9');
    const all = snaps(T0, (12 * DAY) / STEP);
    for (let i = 0; i < all.length; i += 500) await fleet.ingest(host, { batchId: `d-${i}`, agentVersion: '0.2.0', snapshots: all.slice(i, i + 500) });
    const range = { from: T0, to: T0 + 12 * DAY - 1 };
    const before = await fleet.fullHistory(host, { ...range, stepMs: DAY });

    // 12 days and 30 minutes later: every closed hour rolled up, raw rows before day 10 deleted, hours (and days) before day 4 too.
    await clock.advance(12 * DAY + 30 * 60_000);
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 8 } } }, {});
    await createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config }).run();
    const days = await rawQuery(store(), 'select day, samples from host_snapshots_daily order by day');
    expect(days.map((d) => [(Number(d.day) - T0) / DAY, Number(d.samples)])).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map((d) => [d, DAY / STEP]));
    const protocolDays = await rawQuery(store(), 'select count(*) as n from host_protocol_daily');
    expect(Number(protocolDays[0]!.n)).toBe(8 * 2);

    const after = await fleet.fullHistory(host, { ...range, stepMs: DAY });
    const kept = (t: number) => t >= T0 + 4 * DAY;
    expectSamePoints(after.points, before.points.filter((p) => kept(p.time)));
    expectSameProtocols(after.protocols, before.protocols.filter((p) => kept(p.time)));

    // Whole days come from the daily rows: with a day's hourly rows gone, a day-step read still has it, an hour-step one not.
    await rawQuery(store(), `delete from host_snapshots_hourly where hour >= ${T0 + 6 * DAY} and hour < ${T0 + 7 * DAY}`);
    const day6 = { from: T0 + 6 * DAY, to: T0 + 7 * DAY - 1 };
    expect((await fleet.history(host, { ...day6, stepMs: DAY })).points).toHaveLength(1);
    expect((await fleet.history(host, { ...day6, stepMs: HOUR })).points).toHaveLength(0);
  });

  it('applies retention host by host: each host keeps its own hours and days, and a host with nothing old is left alone', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    for (const name of ['east', 'west', 'idle']) await fleet.addHost(name, null);
    const [east, west, idle] = await Promise.all(['east', 'west', 'idle'].map((n) => fleet.host(n)));
    await fleet.ingest(east!, { batchId: 'east-1', agentVersion: '0.2.0', snapshots: snaps(T0, 12) }); // 00:00-01:50
    await fleet.ingest(west!, { batchId: 'west-1', agentVersion: '0.2.0', snapshots: snaps(T0 + HOUR, 6) }); // 01:00-01:50
    await fleet.ingest(idle!, { batchId: 'idle-1', agentVersion: '0.2.0', snapshots: snaps(T0 + 3 * DAY, 3) });
    await clock.advance(3 * DAY);
    const config = buildConfig({ storage: { retention: { rawDays: 1, rollupDays: 30 } } }, {});
    const result = await createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config }).run();
    expect(result.rawDeleted).toBe(18 * 3);
    const hours = async (id: string) => (await store().fleetRollups.hostHours(id, { from: T0, to: T0 + DAY })).map((h) => [(h.hour - T0) / HOUR, h.samples]);
    expect(await hours(east!.id)).toEqual([[0, 6], [1, 6]]);
    expect(await hours(west!.id)).toEqual([[1, 6]]);
    expect(await hours(idle!.id)).toEqual([]);
    const days = async (id: string) => (await store().fleetRollups.hostDays(id, { from: T0, to: T0 + DAY })).map((d) => d.samples);
    expect([await days(east!.id), await days(west!.id), await days(idle!.id)]).toEqual([[12], [6], []]);
    expect(await store().fleet.totals(idle!.id)).toEqual({ snapshots: 3, protocolSamples: 6 });
  });
});
