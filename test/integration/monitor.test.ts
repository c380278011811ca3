import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Plan } from '../../src/domain/plan.js';
import type { Reallocation } from '../../src/domain/reallocation.js';
import type { ProtocolSample, Snapshot } from '../../src/domain/sample.js';
import { type AlertEvent, createAlertService } from '../../src/engine/monitor/alerts.js';
import { exportHistory, exportStream } from '../../src/engine/monitor/export.js';
import { createReportService } from '../../src/engine/monitor/reports.js';
import { createRetentionJob } from '../../src/engine/monitor/retention.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { isOrchaError } from '../../src/lib/errors.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { describeEachStore } from '../helpers/stores.js';

const log = silentLogger();
const HOUR = 3_600_000;

function sample(protocol: string, time: number, over: Partial<ProtocolSample> = {}): ProtocolSample {
  return {
    protocol,
    type: 'golem',
    time,
    connected: true,
    token: 'GLM',
    cumulativeTokens: 10,
    earnedTokens: 0.01,
    earnedUsd: 0.003,
    usdPerHour: 1,
    payoutEvent: false,
    uptime: 1,
    cpuPercent: 10,
    memoryBytes: 1e9,
    bandwidthBytesPerSec: 1e5,
    storageBytes: 1e10,
    allocation: { cpu: 40, memory: 40, bandwidth: 40, storage: 40 },
    latencyMs: 3,
    ...over,
  };
}

function snap(time: number, protocols: ProtocolSample[], host: Partial<Snapshot['host']> = {}): Snapshot {
  return {
    time,
    totalUsdPerHour: protocols.reduce((s, p) => s + p.usdPerHour, 0),
    host: {
      cpuCount: 4,
      cpuPercent: 30,
      memoryTotalBytes: 16e9,
      memoryUsedBytes: 4e9,
      bandwidthCapacityBytesPerSec: 12_500_000,
      bandwidthBytesPerSec: 1e6,
      storageTotalBytes: 4e12,
      storageUsedBytes: 1e12,
      ...host,
    },
    protocols,
  };
}

describeEachStore('alerts', (factory) => {
  let store: Store;
  let clock: VirtualClock;
  let config: Config;
  let events: AlertEvent[];
  beforeEach(async () => {
    store = await factory.create();
    clock = new VirtualClock(Date.UTC(2026, 2, 1));
    // Rules that fire and clear at once: these tests are about raising, de-duplicating and resolving (the
    // for-duration, hysteresis and clear delay have their own tests in src/engine/monitor/alert-gating.test.ts).
    const instant = { forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 };
    const rules = Object.fromEntries(['protocol_disconnected', 'earnings_drop', 'resource_pressure', 'adapter_degraded'].map((t) => [t, instant]));
    config = buildConfig({ alerts: { disconnectedAfter: 2, pressure: { cpu: 80 }, rules } }, {});
    events = [];
  });
  afterEach(async () => {
    await store.close();
  });
  const service = () =>
    createAlertService({ repo: store.alerts, clock, log, getConfig: () => config, onEvent: (e) => void events.push(e) });

  it('raises one alert while a condition holds, resolves it when it clears, and a recurrence is a new alert', async () => {
    const alerts = service();
    const t = clock.now();
    await alerts.evaluate({ snapshot: snap(t, [sample('a', t, { connected: false, error: 'ECONNREFUSED' })]) });
    expect(await store.alerts.countActive()).toBe(0); // one failed poll is not yet an outage
    for (let i = 1; i <= 5; i++) {
      await alerts.evaluate({ snapshot: snap(t + i * 5000, [sample('a', t + i * 5000, { connected: false, error: 'ECONNREFUSED' })]) });
    }
    const open = await store.alerts.list({ status: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ type: 'protocol_disconnected', severity: 'critical', protocol: 'a', dedupKey: 'protocol_disconnected:a' });
    expect(open[0].message).toContain('ECONNREFUSED');
    // The poll count in the message changes, but that is not news: one event, no duplicate (issue 16: change only).
    expect(events.map((e) => e.change)).toEqual(['raised']);

    await alerts.evaluate({ snapshot: snap(t + 30_000, [sample('a', t + 30_000)]) });
    expect(await store.alerts.countActive()).toBe(0);
    const resolved = await store.alerts.get(open[0].id);
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.resolvedAt).toBe(clock.now());
    expect(events.at(-1)?.change).toBe('resolved');

    for (let i = 7; i <= 8; i++) {
      await alerts.evaluate({ snapshot: snap(t + i * 5000, [sample('a', t + i * 5000, { connected: false })]) });
    }
    const again = await store.alerts.list({ type: 'protocol_disconnected' });
    expect(again).toHaveLength(2);
  });

  it('an unchanged condition writes nothing; acknowledgement keeps it active until it clears', async () => {
    const alerts = service();
    const t = clock.now();
    const hot = (time: number) => snap(time, [sample('a', time)], { cpuPercent: 85 });
    await alerts.evaluate({ snapshot: hot(t) });
    await alerts.evaluate({ snapshot: hot(t + 5000) });
    await alerts.evaluate({ snapshot: hot(t + 10_000) });
    const [alert] = await store.alerts.list({ status: 'open' });
    expect(alert).toMatchObject({ type: 'resource_pressure', severity: 'warning', dedupKey: 'resource_pressure:cpu' });
    expect(alert.updatedAt).toBe(t);
    expect(events).toHaveLength(1);

    const acked = await alerts.acknowledge(alert.id, 'ops@example');
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ops@example' });
    await alerts.evaluate({ snapshot: hot(t + 15_000) });
    expect(await store.alerts.list({ status: ['open', 'acknowledged'] })).toHaveLength(1);
    expect((await store.alerts.get(alert.id))?.status).toBe('acknowledged');

    await alerts.evaluate({ snapshot: snap(t + 20_000, [sample('a', t + 20_000)], { cpuPercent: 99 }) });
    expect((await store.alerts.get(alert.id))?.severity).toBe('critical');
    await alerts.evaluate({ snapshot: snap(t + 25_000, [sample('a', t + 25_000)], { cpuPercent: 20 }) });
    expect((await store.alerts.get(alert.id))?.status).toBe('resolved');
    await expect(alerts.acknowledge(alert.id, 'x')).rejects.toSatisfy((e) => isOrchaError(e, 'ORCHA_ERR_CONFLICT'));
    await expect(alerts.acknowledge('nope', 'x')).rejects.toSatisfy((e) => isOrchaError(e, 'ORCHA_ERR_NOT_FOUND'));
  });

  it('a new process finds the alerts already open instead of raising duplicates', async () => {
    const t = clock.now();
    const hot = (time: number) => snap(time, [], { memoryUsedBytes: 15.5e9 });
    await service().evaluate({ snapshot: hot(t) });
    await service().evaluate({ snapshot: hot(t + 5000) });
    expect(await store.alerts.list({ type: 'resource_pressure' })).toHaveLength(1);
  });

  it('an earnings drop against the trailing average alerts, and recovers', async () => {
    const alerts = service();
    const t0 = clock.now();
    let t = t0;
    for (; t < t0 + 4 * HOUR; t += 60_000) await alerts.evaluate({ snapshot: snap(t, [sample('a', t, { usdPerHour: 1 })]) });
    expect(await store.alerts.countActive()).toBe(0);
    for (const end = t + HOUR; t < end; t += 60_000) await alerts.evaluate({ snapshot: snap(t, [sample('a', t, { usdPerHour: 0.3 })]) });
    const [drop] = await store.alerts.list({ type: 'earnings_drop', status: 'open' });
    expect(drop.protocol).toBe('a');
    expect(drop.message).toMatch(/under its 6-hour average/);
    for (const end = t + HOUR; t < end; t += 60_000) await alerts.evaluate({ snapshot: snap(t, [sample('a', t, { usdPerHour: 1.2 })]) });
    expect((await store.alerts.get(drop.id))?.status).toBe('resolved');
  });

  it('open breakers, opportunities, failed reallocations and invalid config raise and resolve', async () => {
    const alerts = service();
    const t = clock.now();
    await alerts.evaluate({
      snapshot: snap(t, [sample('a', t)]),
      status: { adapters: [{ protocol: 'a', breaker: 'open', consecutiveFailures: 5, lastError: 'timeout' }] },
    });
    expect((await store.alerts.findActiveByKey('adapter_degraded:a'))?.message).toContain('circuit breaker open after 5 failures');
    await alerts.evaluate({ snapshot: snap(t + 5000, [sample('a', t + 5000)]), status: { adapters: [{ protocol: 'a', breaker: 'closed' }] } });
    expect(await store.alerts.findActiveByKey('adapter_degraded:a')).toBeNull();

    const plan = {
      opportunities: [
        { resource: 'cpu', from: 'a', to: 'b', sharePercent: 10, gainUsdPerHour: 0.2, confidence: 0.9, paybackHours: null },
        { resource: 'memory', from: 'a', to: 'b', sharePercent: 5, gainUsdPerHour: 0.001, confidence: 0.9, paybackHours: null },
      ],
    } as unknown as Plan;
    await alerts.evaluatePlan(plan);
    const opps = await store.alerts.list({ type: 'optimization_opportunity', status: 'open' });
    expect(opps.map((o) => o.dedupKey)).toEqual(['optimization_opportunity:cpu:a:b']);
    expect(opps[0].severity).toBe('info');
    await alerts.evaluatePlan({ opportunities: [] } as unknown as Plan);
    expect(await store.alerts.list({ type: 'optimization_opportunity', status: 'open' })).toEqual([]);

    const failed = { id: 'r1', status: 'rolled_back', dryRun: false, reason: 'step 2 (c) failed: boom; rolled back' } as Reallocation;
    await alerts.reallocationOutcome(failed);
    const rf = await store.alerts.findActiveByKey('reallocation_failed');
    expect(rf).toMatchObject({ severity: 'warning' });
    expect(rf?.message).toContain('boom');
    await alerts.reallocationOutcome({ ...failed, id: 'r2', status: 'applied', reason: null });
    expect(await store.alerts.findActiveByKey('reallocation_failed')).toBeNull();

    await alerts.configInvalid([{ path: 'intervals.poll', message: 'must be > 0' }]);
    expect((await store.alerts.findActiveByKey('config_invalid'))?.message).toContain('intervals.poll: must be > 0');
    await alerts.configValid();
    expect(await store.alerts.countActive()).toBe(0);
  });
});

describeEachStore('reports, export and retention', (factory) => {
  let store: Store;
  let clock: VirtualClock;
  const start = Date.UTC(2026, 0, 1);
  beforeEach(async () => {
    store = await factory.create();
    clock = new VirtualClock(start + 48 * HOUR);
    // Two days, one snapshot per 10 minutes; protocol b earns more on the second day.
    const snaps: Snapshot[] = [];
    for (let t = start; t < start + 48 * HOUR; t += 10 * 60_000) {
      const day2 = t >= start + 24 * HOUR;
      snaps.push(
        snap(t, [
          sample('a', t, { usdPerHour: 1, earnedUsd: 1 / 6, connected: true }),
          sample('b', t, { usdPerHour: day2 ? 3 : 1, earnedUsd: (day2 ? 3 : 1) / 6, token: 'STORJ', uptime: day2 ? 1 : 0.5 }),
        ]),
      );
    }
    await store.metrics.insertSnapshots(snaps);
  });
  afterEach(async () => {
    await store.close();
  });

  it('a performance report gives earnings by protocol, uptime, reallocations with measured effect, and the trend', async () => {
    await store.reallocations.create({
      id: 'r1',
      status: 'applied',
      reason: null,
      trigger: 'loop',
      dryRun: false,
      exploration: false,
      strategy: 'lp',
      before: {},
      after: {},
      projectedImprovementUsdPerHour: 1.5,
      confidence: 0.9,
      steps: [],
      measuredBeforeUsdPerHour: 2,
      measuredAfterUsdPerHour: 4,
      createdAt: start + 24 * HOUR,
      finishedAt: start + 24 * HOUR,
    });
    const report = await createReportService({ metrics: store.metrics, reallocations: store.reallocations, clock }).performance({
      from: start,
      to: start + 48 * HOUR,
    });
    const b = report.protocols.find((p) => p.protocol === 'b');
    expect(report.protocols.map((p) => p.protocol)).toEqual(['b', 'a']);
    expect(b?.earnedUsd).toBeCloseTo(96, 0);
    expect(b?.uptime).toBeCloseTo(0.75, 2);
    expect(report.totalUsd).toBeCloseTo(144, 0);
    expect(report.reallocations.counts).toEqual({ applied: 1 });
    expect(report.reallocations.applied[0].measuredEffectUsdPerHour).toBe(2);
    expect(report.trend.direction).toBe('up');
    expect(report.trend.changePercent).toBeCloseTo(100, 0);
  });

  it('exports history as JSON and CSV, streamed page by page', async () => {
    const range = { from: start, to: start + 2 * HOUR - 1 }; // `to` is inclusive
    const chunks: string[] = [];
    for await (const c of exportHistory(store.metrics, { ...range, format: 'json' }, 7)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3); // 24 rows in pages of 7, not one blob
    const rows = JSON.parse(chunks.join(''));
    expect(rows).toHaveLength(24);
    expect(rows[0]).toMatchObject({ time: '2026-01-01T00:00:00.000Z', protocol: 'a', usdPerHour: 1 });

    let csv = '';
    for await (const c of exportStream(store.metrics, { ...range, format: 'csv', protocol: 'b' })) csv += c;
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'time,protocol,usdPerHour,earnedUsd,earnedTokens,connected,uptime,cpuPercent,memoryBytes,bandwidthBytesPerSec,storageBytes,allocCpu,allocMemory,allocBandwidth,allocStorage',
    );
    expect(lines).toHaveLength(13);
    expect(lines[1].startsWith('2026-01-01T00:00:00.000Z,b,1,')).toBe(true);

    let empty = '';
    for await (const c of exportHistory(store.metrics, { from: 0, to: 1, format: 'json' })) empty += c;
    expect(JSON.parse(empty)).toEqual([]);
  });

  it('retention rolls up, then deletes raw samples older than rawDays and rollups older than rollupDays', async () => {
    const config = buildConfig({ storage: { retention: { rawDays: 1, rollupDays: 1.5 } } }, {});
    const job = createRetentionJob({ metrics: store.metrics, clock, log, getConfig: () => config });
    const before = await store.metrics.count();
    const result = await job.run();
    const after = await store.metrics.count();
    expect(result.rawDeleted).toBeGreaterThan(0);
    expect(after.snapshots).toBe(144); // the last 24 h of 10-minute snapshots
    expect(before.snapshots).toBe(288);
    expect(after.rollups).toBeGreaterThan(0);
    // The first day is still there as hourly rollups (within 1.5 days), so earnings over it survive.
    const history = await store.metrics.protocolHistory({ from: start + 12 * HOUR, to: start + 24 * HOUR - 1, protocol: 'a', stepMs: HOUR });
    expect(history.length).toBe(12);
    await clock.advance(24 * HOUR);
    const later = await job.run();
    expect(later.rollupsDeleted).toBeGreaterThan(0);
  });

  it('retention deletes node health changes older than rollupDays, but never a protocol\'s last one (its health now)', async () => {
    const config = buildConfig({ storage: { retention: { rawDays: 1, rollupDays: 1 } } }, {});
    const job = createRetentionJob({ metrics: store.metrics, health: store.nodeHealth, clock, log, getConfig: () => config });
    const h = (sessions: number) => ({ activeSessions: sessions, problems: [] });
    // myst changed often (old and recent); storj's only change is old, and it is still its health now.
    for (const [i, t] of [start, start + HOUR, start + 40 * HOUR].entries()) await store.nodeHealth.record('myst', t, h(i + 1));
    await store.nodeHealth.record('storj', start, { version: '1.71.2', problems: [] });
    const result = await job.run();
    expect(result.healthDeleted).toBe(2);
    expect((await store.nodeHealth.history('myst', 0, clock.now())).map((r) => r.health.activeSessions)).toEqual([3]);
    expect((await store.nodeHealth.latest()).map((r) => r.protocol).sort()).toEqual(['myst', 'storj']);
  });
});
