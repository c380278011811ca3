/**
 * A fleet host's report over a long period, on both databases: once retention rolled its older rows up (hourly rows,
 * daily rows of migration 015) and deleted them, a 90-day report sums its closed days from the rollups and the rest
 * from the raw rows, and its totals equal the sum of what its agent sent in the period.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Snapshot } from '../../src/domain/sample.js';
import { createHostReads } from '../../src/fleet/host-reads.js';
import { VirtualClock } from '../../src/lib/clock.js';
import type { HostRecord } from '../../src/store/repositories/fleet.repository.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-12-01T00:00:00Z');
const STEP = 30 * 60_000;

function host(name: string): HostRecord {
  return { id: randomUUID(), name, keyPrefix: `p-${name}`, keyHash: 'x', createdAt: NOW - 200 * DAY, createdBy: null, revokedAt: null, lastSeenAt: null, agentVersion: null, spool: null };
}

/** 100 days of snapshots every 30 minutes, two protocols whose earnings vary from one sample to the next. */
function history(): Snapshot[] {
  const out: Snapshot[] = [];
  for (let t = NOW - 100 * DAY, i = 0; t < NOW; t += STEP, i++) {
    out.push(
      snapshot(t, [
        protocolSample('storj', t, { earnedUsd: 0.001 * (1 + (i % 7)), earnedTokens: 0.002 * (1 + (i % 5)), uptime: i % 10 === 0 ? 0 : 1 }),
        protocolSample('golem', t, { type: 'golem', token: 'GLM', earnedUsd: 0.0005 * (1 + (i % 3)), earnedTokens: 0.001, uptime: 1 }),
      ]),
    );
  }
  return out;
}

describeEachStore('fleet: a host report over months', (factory) => {
  const store = useStore(factory);

  it("answers a 90-day report from the host's rollups and raw rows, its totals the sum of what its agent sent", async () => {
    const s = store();
    const edge = host('edge');
    await s.fleet.createHost(edge);
    const snaps = history();
    for (let i = 0; i < snaps.length; i += 500) await s.fleet.ingestBatch(edge.id, `b-${i}`, snaps.slice(i, i + 500), NOW);
    // Retention (rawDays 30): what is older than 30 days (and a half hour) is rolled up and its raw rows deleted.
    const rolled = await s.fleetRollups.rollupAndDeleteRawBefore(NOW - 30 * DAY + STEP);
    expect(rolled.rawDeleted).toBeGreaterThan(0);
    const [days] = await rawQuery(s, `select count(*) as n from host_protocol_daily where host_id = '${edge.id}'`);
    expect(Number(days!.n)).toBeGreaterThanOrEqual(2 * 69);

    const reads = createHostReads({ store: s, clock: new VirtualClock(NOW) });
    // Hour-aligned but not day-aligned: days from the daily rows, the hours around them, then the raw window.
    for (const range of [
      { from: NOW - 90 * DAY, to: NOW - 1 },
      { from: NOW - 90 * DAY + 7 * HOUR, to: NOW - 3 * HOUR - 1 },
    ]) {
      const sent = snaps.filter((x) => x.time >= range.from && x.time <= range.to).flatMap((x) => x.protocols);
      const sum = (protocol: string, f: (p: (typeof sent)[number]) => number) => sent.filter((p) => p.protocol === protocol).reduce((a, p) => a + f(p), 0);
      const report = await reads.report(edge, range);
      expect(report.totalUsd).toBeCloseTo(sent.reduce((a, p) => a + p.earnedUsd, 0), 9);
      const byName = Object.fromEntries(report.protocols.map((p) => [p.protocol, p]));
      for (const name of ['storj', 'golem']) {
        expect(byName[name]!.usd).toBeCloseTo(sum(name, (p) => p.earnedUsd), 9);
        expect(byName[name]!.tokens).toBeCloseTo(sum(name, (p) => p.earnedTokens), 9);
        expect(byName[name]!.uptime).toBeCloseTo(sum(name, (p) => p.uptime) / sent.filter((p) => p.protocol === name).length, 9);
      }
      expect(report.trend.firstHalfUsdPerHour).toBeGreaterThan(0);
    }
    // A host that sends no energy points has no energy section.
    expect((await reads.report(edge, { from: NOW - 90 * DAY, to: NOW - 1 })).energy).toBeUndefined();
  });
});
