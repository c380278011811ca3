import { describe, expect, it } from 'vitest';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const snaps = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    snapshot(from + i * 5000, [protocolSample('storj', from + i * 5000, { usdPerHour: 0.5 }), protocolSample('golem', from + i * 5000, { usdPerHour: 0.25 })]),
  );

describeEachStore('fleet: hosts, agent keys and batches', (factory) => {
  const store = useStore(factory);

  it('creates a host whose key opens ingest, stores a batch once, and serves the host latest and history', async () => {
    const clock = new VirtualClock(T0);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    const { host, key } = await fleet.addHost('rack-1', 'admin');
    expect(host.health).toBe('never-seen');
    expect(key).toMatch(/^orcha-agent_[0-9a-f]{8}_/);

    const agent = await fleet.authenticateAgent(`Bearer ${key}`);
    expect(agent?.name).toBe('rack-1');
    expect(await fleet.authenticateAgent(`Bearer ${key.slice(0, -2)}xx`)).toBeNull();

    const batch = { batchId: 'batch-0001', agentVersion: '0.1.0', snapshots: snaps(T0, 12) };
    expect(await fleet.ingest(agent!, batch)).toEqual({ result: 'stored', snapshots: 12 });
    // The same batch again (an agent that never saw the answer) changes nothing.
    expect(await fleet.ingest(agent!, batch)).toEqual({ result: 'duplicate', snapshots: 12 });
    expect(await store().fleet.totals(agent!.id)).toEqual({ snapshots: 12, protocolSamples: 24 });

    const [listed] = await fleet.listHosts();
    expect(listed).toMatchObject({ name: 'rack-1', health: 'ok', agentVersion: '0.1.0', protocols: 2, connected: 2 });
    expect(listed.usdPerHour).toBeCloseTo(0.75, 9);
    const latest = await fleet.latest('rack-1');
    expect(latest?.time).toBe(T0 + 11 * 5000);
    expect(latest?.protocols.map((p) => p.protocol).sort()).toEqual(['golem', 'storj']);

    const { points } = await fleet.history(agent!, { from: T0, to: T0 + 60_000, stepMs: 30_000 });
    expect(points.map((p) => p.time)).toEqual([T0, T0 + 30_000]);
    expect(points[0].totalUsdPerHour).toBeCloseTo(snaps(T0, 1)[0].totalUsdPerHour, 9);

    await clock.advance(61_000);
    expect((await fleet.listHosts())[0].health).toBe('silent');
  });

  it('refuses a revoked key, a duplicate name and a bad name, naming the field', async () => {
    const fleet = createFleetService({ repo: store().fleet, clock: new VirtualClock(T0), settings: () => ({ silentAfterMs: 60_000 }) });
    const { key } = await fleet.addHost('edge', null);
    await expect(fleet.addHost('edge', null)).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFLICT' });
    await expect(fleet.addHost('../etc', null)).rejects.toMatchObject({ code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'name' }] });
    expect((await fleet.revokeHost('edge')).health).toBe('revoked');
    expect(await fleet.authenticateAgent(key)).toBeNull();
    await expect(fleet.revokeHost('nope')).rejects.toMatchObject({ code: 'ORCHA_ERR_NOT_FOUND' });
  });
});

describe('fleet: re-batched snapshots', () => {
  it('keeps a snapshot once when it arrives again under a new batch id', async () => {
    const { storeFactories } = await import('../helpers/stores.js');
    const f = storeFactories().find((x) => x.name === 'sqlite')!;
    const s = await f.create();
    try {
      const fleet = createFleetService({ repo: s.fleet, clock: new VirtualClock(T0), settings: () => ({ silentAfterMs: 60_000 }) });
      const { key } = await fleet.addHost('h', null);
      const host = (await fleet.authenticateAgent(key))!;
      await fleet.ingest(host, { batchId: 'first-batch', agentVersion: '0.1.0', snapshots: snaps(T0, 5) });
      await fleet.ingest(host, { batchId: 'second-batch', agentVersion: '0.1.0', snapshots: snaps(T0 + 20_000, 5) });
      expect(await s.fleet.totals(host.id)).toEqual({ snapshots: 9, protocolSamples: 18 });
    } finally {
      await s.close();
    }
  });
});

describeEachStore('fleet: alerts on silent hosts and agent version skew', (factory) => {
  const store = useStore(factory);

  it('raises host_silent after the silence threshold, resolves it on the next batch, and flags a version skew', async () => {
    const { createFleetControlPlane, HOST_SILENT_AFTER_MS } = await import('../../src/fleet/control-plane.js');
    const { silentLogger } = await import('../../src/lib/logger.js');
    const clock = new VirtualClock(T0);
    const published: string[] = [];
    const cp = createFleetControlPlane({
      store: store(),
      clock,
      log: silentLogger(),
      events: { emit: (_topic, e) => void published.push(`${(e as { change: string }).change}:${(e as { alert: { type: string } }).alert.type}`) },
    });
    const { key } = await cp.service.addHost('edge-1', null);
    const host = (await cp.service.authenticateAgent(key))!;
    await cp.service.ingest(host, { batchId: 'batch-a-0001', agentVersion: '0.0.9', snapshots: snaps(T0, 2) });
    await cp.alertsLoop.tick();
    const open = async () => (await store().alerts.list({ status: 'open' })).map((a) => [a.type, a.severity, a.message]);
    expect(await open()).toEqual([['agent_version_skew', 'warning', expect.stringContaining('agent 0.0.9 reports to control plane 0.1.0')]]);

    await clock.advance(HOST_SILENT_AFTER_MS + 60_000);
    await cp.alertsLoop.tick();
    expect((await open()).map((a) => a[0]).sort()).toEqual(['agent_version_skew', 'host_silent']);
    expect((await open()).find((a) => a[0] === 'host_silent')?.[2]).toMatch(/host edge-1: no report from its agent for 6 min/);

    await cp.service.ingest(host, { batchId: 'batch-a-0002', agentVersion: '0.1.0', snapshots: snaps(clock.now(), 1) });
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([]);
    expect(published).toEqual(['raised:agent_version_skew', 'raised:host_silent', 'resolved:host_silent', 'resolved:agent_version_skew']);
  });
});
