/**
 * A fleet host's hours rolled up as they close (issue 18), on real SQLite and PostgreSQL: raw rows stay `rawDays`,
 * reads take closed hours from the rollups, and a late batch into an hour already rolled up is counted once, its
 * payouts too. Every total is checked against the sum of what the agent sent.
 */
import { expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { createHostReads } from '../../src/fleet/host-reads.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const STEP = 15 * 60_000;

/** Snapshots every 15 minutes over [from, to): two protocols, earnings varying, a golem payout every 7th. */
function snaps(from: number, to: number): Snapshot[] {
  const out: Snapshot[] = [];
  for (let t = from; t < to; t += STEP) {
    const i = (t - T0) / STEP;
    out.push(
      snapshot(t, [
        protocolSample('storj', t, { earnedUsd: 0.001 * (1 + (i % 5)), earnedTokens: 0.002 * (1 + (i % 3)) }),
        protocolSample('golem', t, {
          token: 'GLM',
          earnedUsd: 0.0005 * (i % 4),
          earnedTokens: 0.001,
          ...(i % 7 === 0 ? { payoutEvent: true, payout: { tokens: 1, usd: 0.25 } } : {}),
        }),
      ]),
    );
  }
  return out;
}

const sent = (all: Snapshot[]) => ({
  usd: all.reduce((s, x) => s + x.protocols.reduce((a, p) => a + p.earnedUsd, 0), 0),
  tokens: all.reduce((s, x) => s + x.protocols.reduce((a, p) => a + p.earnedTokens, 0), 0),
  payouts: all.reduce((s, x) => s + x.protocols.filter((p) => p.payoutEvent).length, 0),
  samples: all.length * 2,
});

describeEachStore('fleet hours rolled up as they close', (factory) => {
  const store = useStore(factory);

  it('reads closed hours from rollups, keeps raw rows rawDays, and counts a late batch into a rolled-up hour once', async () => {
    const clock = new VirtualClock(T0 + 3 * DAY + 20 * 60_000);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('rack-2', null);
    const host = await fleet.host('rack-2');
    // The agent was offline on day 1 from 10:00 to 14:00: those snapshots wait in its spool.
    const offline = { from: T0 + DAY + 10 * HOUR, to: T0 + DAY + 14 * HOUR };
    const onTime = [...snaps(T0, offline.from), ...snaps(offline.to, T0 + 3 * DAY + 20 * 60_000)];
    const late = snaps(offline.from, offline.to);
    for (let i = 0; i < onTime.length; i += 50) await fleet.ingest(host, { batchId: `on-${i}`, agentVersion: '0.2.0', snapshots: onTime.slice(i, i + 50) });

    let config = buildConfig({ storage: { retention: { rawDays: 30, rollupDays: 365 } } }, {});
    const job = createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config });
    const first = await job.run();
    expect(first.rawDeleted).toBe(0); // raw rows are kept rawDays
    expect(first.rollupRows).toBeGreaterThan(0);
    const hours = await rawQuery(store(), `select count(*) as n from host_snapshots_hourly where host_id = '${host.id}'`);
    expect(Number(hours[0]!.n)).toBe(3 * 24 - 4); // every closed hour but the offline ones; the open hour stays raw
    expect(await job.run()).toMatchObject({ rollupRows: 0, rawDeleted: 0 }); // nothing closed since

    const reads = createHostReads({ store: store(), clock });
    const range = { from: T0, to: T0 + 3 * DAY + HOUR - 1 };
    const check = async (all: Snapshot[]) => {
      const want = sent(all);
      const report = await reads.report(host, range);
      expect(report.totalUsd).toBeCloseTo(want.usd, 9);
      expect(report.protocols.reduce((s, p) => s + p.tokens, 0)).toBeCloseTo(want.tokens, 9);
      expect(report.protocols.reduce((s, p) => s + p.payoutEvents, 0)).toBe(want.payouts);
      for (const stepMs of [HOUR, DAY, undefined]) {
        const history = await fleet.fullHistory(host, { ...range, ...(stepMs ? { stepMs } : {}) });
        expect(history.protocols.reduce((s, p) => s + p.earnedUsd, 0)).toBeCloseTo(want.usd, 9);
        expect(history.protocols.reduce((s, p) => s + p.samples, 0)).toBe(want.samples);
      }
    };
    await check(onTime);

    // The agent is back and replays its spool into hours already rolled up: stored (raw rows are still kept), the
    // hours recomputed at once. A batch resent under a new id (some of its snapshots stored before) adds nothing.
    expect(await fleet.ingest(host, { batchId: 'late-1', agentVersion: '0.2.0', snapshots: late.slice(0, 10) })).toEqual({ result: 'stored', snapshots: 10, expired: 0 });
    expect(await fleet.ingest(host, { batchId: 'late-2', agentVersion: '0.2.0', snapshots: late.slice(5) })).toEqual({ result: 'stored', snapshots: 11, expired: 0 });
    expect(await fleet.ingest(host, { batchId: 'late-3', agentVersion: '0.2.0', snapshots: [...late.slice(0, 3), ...onTime.slice(0, 3)] })).toMatchObject({ expired: 0 });
    const lateHour = await rawQuery(store(), `select samples from host_protocol_hourly where host_id = '${host.id}' and hour = ${offline.from} and protocol = 'golem'`);
    expect(Number(lateHour[0]!.samples)).toBe(4);
    const all = [...onTime, ...late];
    await check(all);
    await job.run();
    await check(all);

    // Weeks later raw rows past rawDays go; the totals hold, and a replay into those hours is expired, not added.
    await clock.advance(40 * DAY);
    config = buildConfig({ storage: { retention: { rawDays: 30, rollupDays: 365 } } }, {});
    expect((await job.run()).rawDeleted).toBe(all.length * 3);
    await check(all);
    expect(await fleet.ingest(host, { batchId: 'late-again', agentVersion: '0.2.0', snapshots: late.slice(0, 4) })).toEqual({ result: 'stored', snapshots: 4, expired: 4 });
    await check(all);
  });

  it('counts every snapshot of an hour once when its batches arrive while retention rolls that hour up', async () => {
    const clock = new VirtualClock(T0 + HOUR);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('rack-3', null);
    const host = await fleet.host('rack-3');
    const config = buildConfig({ storage: { retention: { rawDays: 30, rollupDays: 365 } } }, {});
    const job = createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config });
    // Hour 1's snapshots, one a minute, sent in 12 batches while retention runs (hour 1 closes as they arrive).
    const hour1 = Array.from({ length: 60 }, (_, k) => snapshot(T0 + HOUR + k * 60_000, [protocolSample('storj', T0 + HOUR + k * 60_000)]));
    await clock.advance(HOUR + 5 * 60_000);
    await Promise.all([
      ...Array.from({ length: 12 }, (_, b) => fleet.ingest(host, { batchId: `h1-${b}`, agentVersion: '0.2.0', snapshots: hour1.slice(b * 5, b * 5 + 5) })),
      job.run(),
      job.run(),
    ]);
    const rolled = await rawQuery(store(), `select samples from host_protocol_hourly where host_id = '${host.id}' and hour = ${T0 + HOUR}`);
    expect(Number(rolled[0]!.samples)).toBe(60);
    const report = await createHostReads({ store: store(), clock }).report(host, { from: T0, to: T0 + 2 * HOUR - 1 });
    expect(report.totalUsd).toBeCloseTo(60 * 0.001, 9);
  });
});
