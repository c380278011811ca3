/**
 * A fleet host's daemon status as its agent reports it with its batches (migration 018): kept per host, the latest
 * wins, with when it arrived; a host whose agent never sent one (before 0.3.0) has none.
 */
import { expect, it } from 'vitest';
import type { AgentStatus } from '../../src/domain/agent-status.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

const status = (polls: number, breaker: 'closed' | 'open'): AgentStatus => ({
  version: '0.3.0',
  startedAt: T0 - 3_600_000,
  uptimeSeconds: 3600 + polls,
  mode: 'auto',
  strategy: 'control-plane',
  lastPlanAt: null,
  loops: [{ name: 'decide', running: true, ticks: polls, lastTickAt: T0, lastError: breaker === 'open' ? 'no answer in time' : null }],
  coordinator: {
    running: true,
    lastPollAt: T0 + polls * 5000,
    polls,
    adapters: [
      { protocol: 'storj', type: 'storj', connected: breaker === 'closed', breaker, lastError: breaker === 'open' ? 'connect ECONNREFUSED' : null, lastErrorCode: null, latencyMs: 12, lastSuccessAt: T0, consecutiveFailures: breaker === 'open' ? 5 : 0 },
    ],
  },
  queue: { pending: 0, processing: 0, capacity: 100, byPriority: { critical: 0, high: 0, normal: 0, low: 0 } },
});

describeEachStore('fleet: the status summary an agent sends with its batches', (factory) => {
  const store = useStore(factory);

  it('keeps the latest per host with when it arrived; none for a host whose agent never sent one', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    const { key } = await fleet.addHost('rack-1', 'admin');
    await fleet.addHost('old-agent', 'admin');
    const host = (await fleet.authenticateAgent(`Bearer ${key}`))!;
    const old = await fleet.host('old-agent');
    const snaps = (i: number) => [snapshot(T0 + i * 5000, [protocolSample('storj', T0 + i * 5000)])];

    expect(await fleet.agentStatus(host)).toBeNull();
    await fleet.ingest(host, { batchId: 'batch-0001', agentVersion: '0.3.0', snapshots: snaps(0), status: status(1, 'closed') });
    await clock.advance(10_000);
    await fleet.ingest(host, { batchId: 'batch-0002', agentVersion: '0.3.0', snapshots: snaps(1), status: status(2, 'open') });
    expect(await fleet.agentStatus(host)).toEqual({ status: status(2, 'open'), reportedAt: T0 + 10_000 });

    // A batch without a summary (an agent downgraded to before 0.3.0) leaves the last one, dated when it arrived.
    await clock.advance(10_000);
    await fleet.ingest(host, { batchId: 'batch-0003', agentVersion: '0.2.0', snapshots: snaps(2) });
    expect((await fleet.agentStatus(host))?.reportedAt).toBe(T0 + 10_000);
    expect((await fleet.listHosts()).find((h) => h.name === 'rack-1')?.lastSeenAt).toBe(T0 + 20_000);

    expect(await fleet.agentStatus(old)).toBeNull();
    // A stored summary that no longer fits the schema (written by another version) reads as none, not as a crash.
    await rawQuery(store(), `update hosts set status_json = '{"version":1}', status_reported_at = ${T0} where name = 'old-agent'`);
    expect(await fleet.agentStatus(old)).toBeNull();
  });
});
