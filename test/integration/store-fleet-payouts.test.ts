/**
 * A fleet host's payouts outlive its raw samples (migration 019), as this machine's do: after retention rolled up and
 * deleted the samples that carried them, `payouts?host=` still lists them with their amounts and a report over those
 * days still counts them; a database upgraded to 019 gets the payouts of the raw samples it holds.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { createHostReads } from '../../src/fleet/host-reads.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/types.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, storeFactories, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const STEP = 10 * 60_000;

/** Three days of 10-minute snapshots; storj pays out at 06:00 and 18:00 each day, golem at noon. */
function snaps(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const t = T0 + i * STEP;
    const hour = (t % DAY) / HOUR;
    const storjPaid = hour === 6 || hour === 18;
    const golemPaid = hour === 12;
    return snapshot(t, [
      protocolSample('storj', t, { payoutEvent: storjPaid, ...(storjPaid ? { payout: { tokens: 10 + i / 1000, usd: 4 + i / 1000 } } : {}) }),
      protocolSample('golem', t, { type: 'golem', token: 'GLM', payoutEvent: golemPaid, ...(golemPaid ? { payout: { tokens: 2, usd: 0.5 } } : {}) }),
    ]);
  });
}

const expected = snaps((3 * DAY) / STEP)
  .flatMap((s) => s.protocols.filter((p) => p.payout).map((p) => ({ protocol: p.protocol, token: p.token, time: p.time, tokens: p.payout!.tokens, usd: p.payout!.usd })))
  .sort((a, b) => b.time - a.time || a.protocol.localeCompare(b.protocol));

describeEachStore('fleet payouts past raw retention', (factory) => {
  const store = useStore(factory);

  it('keeps a host payouts (amounts and count in reports) after retention deleted the raw samples that carried them', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    await fleet.addHost('rack-1', 'admin');
    const host = await fleet.host('rack-1');
    const all = snaps((3 * DAY) / STEP);
    for (let i = 0; i < all.length; i += 100) await fleet.ingest(host, { batchId: `b-${i}`, agentVersion: '0.3.0', snapshots: all.slice(i, i + 100) });
    const reads = createHostReads({ store: store(), clock });
    const range = { from: T0, to: T0 + 3 * DAY };
    const byTime = (a: { time: number; protocol: string }, b: { time: number; protocol: string }) => b.time - a.time || a.protocol.localeCompare(b.protocol);
    const before = await reads.payouts(host, { ...range, limit: 1000 });
    expect(before.payouts.sort(byTime)).toEqual(expected);
    const reportBefore = await reads.report(host, { from: T0, to: T0 + 3 * DAY - 1 });
    expect(Object.fromEntries(reportBefore.protocols.map((p) => [p.protocol, p.payoutEvents]))).toEqual({ storj: 6, golem: 3 });

    // 3 days and 30 minutes later with rawDays 2: the first day's raw samples (and the payouts they carried) go.
    await clock.advance(3 * DAY + 30 * 60_000);
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    const job = createFleetRetentionJob({ rollups: store().fleetRollups, clock, log: silentLogger(), getConfig: () => config });
    expect((await job.run()).rawDeleted).toBeGreaterThan(0);
    const left = await rawQuery(store(), `select count(*) as n from host_protocol_samples where time < ${T0 + DAY}`);
    expect(Number(left[0]!.n)).toBe(0);

    const after = await reads.payouts(host, { ...range, limit: 1000 });
    expect(after.payouts.sort(byTime)).toEqual(expected);
    // The first day alone (only rollups left there), and one protocol: filtered in the database.
    const day1 = await reads.payouts(host, { from: T0, to: T0 + DAY, protocol: 'storj' });
    expect(day1.payouts).toEqual(expected.filter((p) => p.protocol === 'storj' && p.time < T0 + DAY));
    const limited = await reads.payouts(host, { ...range, limit: 2 });
    expect(limited.payouts).toEqual(expected.slice(0, 2));
    // A report over the three days counts the first day's payouts from their rows, the rest from the raw samples.
    const reportAfter = await reads.report(host, { from: T0, to: T0 + 3 * DAY - 1 });
    expect(Object.fromEntries(reportAfter.protocols.map((p) => [p.protocol, p.payoutEvents]))).toEqual({ storj: 6, golem: 3 });
    expect(reportAfter.totalUsd).toBeCloseTo(reportBefore.totalUsd, 9);
  });
});

function kyselyOn(s: Store): { db: Kysely<unknown>; schema?: string } {
  const where = s as Store & { path?: string; url?: string; schema?: string };
  if (where.path) return { db: new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(where.path) }) }) };
  return { db: new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.url, max: 1 }) }) }), schema: where.schema };
}

for (const factory of storeFactories()) {
  describe.runIf(factory.available)(`migration 019 on a control plane with samples [${factory.name}]`, () => {
    it('gives the payouts of the raw samples already stored their own rows', async () => {
      const s = await factory.create({ migrate: false });
      try {
        const { db, schema } = kyselyOn(s);
        try {
          const migrator = new Migrator({ db, provider: migrationProvider(factory.name), migrationTableSchema: schema, allowUnorderedMigrations: true });
          expect((await migrator.migrateTo('018-agent-status')).error).toBeUndefined();
          await sql`insert into hosts (id, name, key_prefix, key_hash, created_at) values ('h1', 'old', 'p1', 'x', ${T0})`.execute(db);
          // As ingest wrote them before 019: the payout only in the sample's JSON (one of them with its own time).
          const rows: [number, string, string][] = [
            [T0, 'storj', '{"type":"storj","token":"STORJ","payoutEvent":true,"payout":{"tokens":12.5,"usd":5}}'],
            [T0 + STEP, 'storj', '{"type":"storj","token":"STORJ","payoutEvent":false}'],
            [T0 + STEP, 'golem', '{"type":"golem","token":"GLM","time":1793491800500,"payoutEvent":true,"payout":{"tokens":3,"usd":0.75}}'],
            // A counter reset the ledger flagged without an amount: no payout.
            [T0 + 2 * STEP, 'golem', '{"type":"golem","token":"GLM","payoutEvent":true}'],
          ];
          for (const [time, protocol, json] of rows) {
            await sql`insert into host_protocol_samples (host_id, time, protocol, sample_json, connected, usd_per_hour, earned_usd, earned_tokens)
              values ('h1', ${time}, ${protocol}, ${json}, 1, 0.1, 0.001, 0.002)`.execute(db);
          }
        } finally {
          await db.destroy();
        }
        expect(await s.migrate()).toContain('019-host-payouts');
        const reads = createHostReads({ store: s, clock: new VirtualClock(T0 + DAY) });
        const host = (await s.fleet.findHostByName('old'))!;
        expect((await reads.payouts(host, { from: T0, to: T0 + DAY })).payouts).toEqual([
          { protocol: 'golem', token: 'GLM', time: 1793491800500, tokens: 3, usd: 0.75 },
          { protocol: 'storj', token: 'STORJ', time: T0, tokens: 12.5, usd: 5 },
        ]);
      } finally {
        await s.close();
      }
    });
  });
}
