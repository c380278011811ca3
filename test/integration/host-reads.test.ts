/**
 * The reads behind `?host=NAME`, on both databases: one host's plans newest first, paginated, filtered by outcome
 * (`planned`: none reported yet); the alerts about a host by their keys, and this machine's without the fleet's;
 * the payouts in a host's samples; and the host's report (also once retention rolled its rows up), allocation and
 * export built from them (src/fleet/host-reads).
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { createHostReads } from '../../src/fleet/host-reads.js';
import { VirtualClock } from '../../src/lib/clock.js';
import type { HostRecord } from '../../src/store/repositories/fleet.repository.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

function host(name: string): HostRecord {
  return { id: randomUUID(), name, keyPrefix: `p-${name}`, keyHash: 'x', createdAt: T0, createdBy: null, revokedAt: null, lastSeenAt: null, agentVersion: null, spool: null };
}

function alert(dedupKey: string, type: string, createdAt: number): Alert {
  return {
    id: randomUUID(),
    type: type as Alert['type'],
    severity: 'warning',
    status: 'open',
    dedupKey,
    protocol: null,
    message: dedupKey,
    details: null,
    createdAt,
    updatedAt: createdAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
  };
}

describeEachStore('fleet: reads for one host', (factory) => {
  const store = useStore(factory);

  it('pages through a host plans newest first, by outcome, and reads them as reallocations and an allocation', async () => {
    const s = store();
    const [edge, other] = [host('edge'), host('other')];
    await s.fleet.createHost(edge);
    await s.fleet.createHost(other);
    const lease = (await s.leases.acquire('host:edge', 'r1', T0, 3_600_000))!;
    await s.leases.acquire('host:other', 'r1', T0, 3_600_000);
    const plan = (i: number) => ({
      strategy: 'lp',
      createdAt: T0 + i * 1000,
      current: { storj: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 } },
      target: { storj: { cpu: 10 + i, memory: 10, bandwidth: 10, storage: 10 } },
      currentUsdPerHour: 1,
      projectedUsdPerHour: 1 + i / 100,
      improvementUsdPerHour: i / 100,
      improvementPercent: i,
      confidence: 0.9,
      switchingCostUsd: 0,
      roi: null,
      exploration: false,
      opportunities: [],
      explanations: {},
    });
    for (let i = 0; i < 5; i++) {
      expect(await s.hostPlans.insertFenced({ id: `edge-${i}`, hostId: edge.id, fence: lease.fence, createdAt: T0 + i * 1000, plan: plan(i) }, { name: 'host:edge', holder: 'r1', now: T0 })).toBe(true);
    }
    await s.hostPlans.insertFenced({ id: 'other-0', hostId: other.id, fence: 1, createdAt: T0 + 9000, plan: plan(9) }, { name: 'host:other', holder: 'r1', now: T0 });
    await s.hostPlans.report(edge.id, 'edge-1', { status: 'applied', reason: null, reallocationId: 'r-1', reportedAt: T0 + 1500 });
    await s.hostPlans.report(edge.id, 'edge-2', { status: 'skipped', reason: 'low_confidence', reallocationId: null, reportedAt: T0 + 2500 });

    const page = await s.hostReads.plans(edge.id, { limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(page.plans.map((p) => p.id)).toEqual(['edge-3', 'edge-2']);
    expect((await s.hostReads.plans(edge.id, { status: 'planned', limit: 10, offset: 0 })).plans.map((p) => p.id)).toEqual(['edge-4', 'edge-3', 'edge-0']);
    expect((await s.hostReads.plans(edge.id, { status: 'applied', limit: 10, offset: 0 })).plans.map((p) => p.outcome)).toEqual([
      { status: 'applied', reason: null, reallocationId: 'r-1', reportedAt: T0 + 1500 },
    ]);
    expect((await s.hostReads.plans(edge.id, { since: T0 + 3000, limit: 10, offset: 0 })).total).toBe(2);

    const reads = createHostReads({ store: s, clock: new VirtualClock(T0 + 10_000) });
    const history = await reads.reallocations(edge, { limit: 10 });
    expect(history.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['edge-4', 'planned', null],
      ['edge-3', 'planned', null],
      ['edge-2', 'skipped', 'low_confidence'],
      ['edge-1', 'applied', null],
      ['edge-0', 'planned', null],
    ]);
    expect(history[3]).toMatchObject({ strategy: 'control-plane:lp', projectedImprovementUsdPerHour: 0.01, finishedAt: T0 + 1500, after: plan(1).target });
    const shown = await reads.plans(edge, { limit: 1, offset: 0 });
    expect(shown.plans[0]).toMatchObject({ id: 'edge-4', status: 'planned', projectedGainUsdPerHour: 0.04, decidedBy: { strategy: 'lp', fence: lease.fence, replica: 'r1' } });
    // The plan keeps naming the replica that made it after the host's lease moved to another one.
    await s.leases.release('host:edge', 'r1', lease.fence);
    const moved = (await s.leases.acquire('host:edge', 'r2', T0 + 1, 3_600_000))!;
    expect(moved.fence).toBeGreaterThan(lease.fence);
    expect((await reads.plans(edge, { limit: 1, offset: 0 })).plans[0]?.decidedBy).toEqual({ strategy: 'lp', fence: lease.fence, replica: 'r1' });

    // A report counts the plans its agent reported on, by outcome (made in the period).
    expect((await reads.report(edge, { from: T0, to: T0 + 10_000 })).reallocations).toEqual({ total: 2, applied: 1, failed: 0, rolledBack: 0, measuredGainUsdPerHour: null });
    expect((await reads.report(edge, { from: T0 + 2000, to: T0 + 10_000 })).reallocations.total).toBe(1);
    // Its agent reports the measured effect later (migration 021): the report sums it; an older agent's outcome
    // reported again without it keeps it.
    const measured = { status: 'applied', reason: null, reallocationId: 'r-1', reportedAt: T0 + 1500, measuredBeforeUsdPerHour: 1, measuredAfterUsdPerHour: 1.25 };
    await s.hostPlans.report(edge.id, 'edge-1', measured);
    await s.hostPlans.report(edge.id, 'edge-2', { status: 'skipped', reason: 'low_confidence', reallocationId: null, reportedAt: T0 + 2500, measuredBeforeUsdPerHour: null, measuredAfterUsdPerHour: null });
    expect((await reads.report(edge, { from: T0, to: T0 + 10_000 })).reallocations.measuredGainUsdPerHour).toBeCloseTo(0.25, 12);
    await s.hostPlans.report(edge.id, 'edge-1', { status: 'applied', reason: null, reallocationId: 'r-1', reportedAt: T0 + 1500 });
    expect((await reads.report(edge, { from: T0, to: T0 + 10_000 })).reallocations.measuredGainUsdPerHour).toBeCloseTo(0.25, 12);
    expect((await reads.report(edge, { from: T0 + 2000, to: T0 + 10_000 })).reallocations.measuredGainUsdPerHour).toBeNull();
    expect((await reads.reallocations(edge, { status: 'applied' }))[0]).toMatchObject({ measuredBeforeUsdPerHour: 1, measuredAfterUsdPerHour: 1.25 });
    expect((await reads.plans(edge, { status: 'applied', limit: 1, offset: 0 })).plans[0]!.outcome).toEqual(measured);

    await s.fleet.ingestBatch(edge.id, 'batch-alloc-1', [snapshot(T0, [protocolSample('storj', T0, { allocation: { cpu: 12, memory: 11, bandwidth: 10, storage: 9 } })])], T0);
    expect(await reads.allocation(edge)).toEqual({ current: { storj: { cpu: 12, memory: 11, bandwidth: 10, storage: 9 } }, optimal: plan(4).target, plan: plan(4) });
    expect(await reads.allocation(other)).toMatchObject({ current: {}, optimal: plan(9).target });
  });

  it("finds the alerts about a host by their keys, and leaves the fleet's out of this machine's", async () => {
    const s = store();
    await s.alerts.insert(alert('host_silent:edge', 'host_silent', T0 + 1));
    await s.alerts.insert(alert('agent_version_skew:edge', 'agent_version_skew', T0 + 2));
    await s.alerts.insert(alert('host_silent:edge2', 'host_silent', T0 + 3));
    await s.alerts.insert(alert('node_disconnected:storj', 'node_disconnected', T0 + 4));
    // Its nodes' disconnections, and another host's whose name differs in a LIKE wildcard's place.
    await s.alerts.insert(alert('host_node_disconnected:edge:storj', 'host_node_disconnected', T0 + 5));
    await s.alerts.insert(alert('host_node_disconnected:edgeX:storj', 'host_node_disconnected', T0 + 6));
    await s.alerts.insert(alert('host_node_disconnected:e_ge:golem', 'host_node_disconnected', T0 + 7));
    const reads = createHostReads({ store: s, clock: new VirtualClock(T0) });
    const edge = host('edge');
    expect((await reads.alerts(edge, {})).map((a) => a.dedupKey)).toEqual(['host_node_disconnected:edge:storj', 'agent_version_skew:edge', 'host_silent:edge']);
    expect((await reads.alerts(host('e_ge'), {})).map((a) => a.dedupKey)).toEqual(['host_node_disconnected:e_ge:golem']);
    expect((await reads.alerts(edge, { type: 'host_silent' })).map((a) => a.dedupKey)).toEqual(['host_silent:edge']);
    expect((await reads.alerts(null, {})).map((a) => a.dedupKey)).toEqual(['node_disconnected:storj']);
  });

  it("reads a host's payouts, report and export from its agent's samples", async () => {
    const s = store();
    const edge = host('edge');
    await s.fleet.createHost(edge);
    const snaps = Array.from({ length: 6 }, (_, i) => {
      const t = T0 + i * 5000;
      return snapshot(t, [
        protocolSample('storj', t, { usdPerHour: 0.5, earnedUsd: 0.001, earnedTokens: 0.002, uptime: 1 }),
        protocolSample('golem', t, {
          type: 'golem',
          token: 'GLM',
          usdPerHour: 0.25,
          earnedUsd: 0.0005,
          earnedTokens: 0.001,
          uptime: i < 3 ? 1 : 0,
          ...(i === 4 ? { payoutEvent: true, payout: { tokens: 12, usd: 3 } } : {}),
        }),
      ]);
    });
    await s.fleet.ingestBatch(edge.id, 'batch-report-1', snaps, T0);
    const reads = createHostReads({ store: s, clock: new VirtualClock(T0 + 60_000) });

    const range = { from: T0, to: T0 + 30_000 };
    expect(await reads.payouts(edge, { ...range })).toEqual({ payouts: [{ protocol: 'golem', token: 'GLM', time: T0 + 20_000, tokens: 12, usd: 3 }], held: [] });
    expect((await reads.payouts(edge, { ...range, protocol: 'storj' })).payouts).toEqual([]);

    const report = await reads.report(edge, range);
    expect(report.totalUsd).toBeCloseTo(6 * 0.0015, 12);
    expect(report.protocols.map((p) => [p.protocol, p.token, p.payoutEvents])).toEqual([
      ['storj', 'STORJ', 0],
      ['golem', 'GLM', 1],
    ]);
    expect(report.protocols[1]!.uptime).toBeCloseTo(0.5, 9);
    expect(report.reallocations).toEqual({ total: 0, applied: 0, failed: 0, rolledBack: 0, measuredGainUsdPerHour: null });

    let csv = '';
    for await (const chunk of reads.exportChunks(edge, range, 'csv')) csv += chunk;
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(1 + 12);
    expect(lines[1]).toMatch(/^2026-12-01T00:00:00.000Z,(golem|storj),/);

    // Retention rolls the hour up and deletes its raw rows: the report's sums come from the rollup, unchanged; the
    // payouts keep their own rows (migration 019), so they are still listed and counted.
    expect((await s.fleetRollups.rollupAndDeleteRawBefore(T0 + 3_600_000)).rawDeleted).toBeGreaterThan(0);
    const rolled = await reads.report(edge, range);
    expect(rolled.totalUsd).toBeCloseTo(report.totalUsd, 12);
    expect(rolled.protocols.map((p) => [p.protocol, p.tokens.toFixed(6), p.uptime?.toFixed(6)])).toEqual(
      report.protocols.map((p) => [p.protocol, p.tokens.toFixed(6), p.uptime?.toFixed(6)]),
    );
    expect(rolled.protocols.map((p) => p.payoutEvents)).toEqual([0, 1]);
    expect(await reads.payouts(edge, { ...range })).toEqual({ payouts: [{ protocol: 'golem', token: 'GLM', time: T0 + 20_000, tokens: 12, usd: 3 }], held: [] });
  });
});
