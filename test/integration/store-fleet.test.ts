import { describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { createFleetControlPlane } from '../../src/fleet/control-plane.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const snaps = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    snapshot(from + i * 5000, [protocolSample('storj', from + i * 5000, { usdPerHour: 0.5 }), protocolSample('golem', from + i * 5000, { usdPerHour: 0.25 })]),
  );

describeEachStore('fleet: hosts, agent keys and batches', (factory) => {
  const store = useStore(factory);

  it("refuses to give an agent this machine's own fleet name, which ?host= already answers for", async () => {
    const fleet = createFleetService({ repo: store().fleet, clock: new VirtualClock(T0), settings: () => ({ silentAfterMs: 60_000, localName: 'control' }) });
    await expect(fleet.addHost('control', 'admin')).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFLICT', message: expect.stringContaining("this machine's own name") });
    expect(await fleet.listHosts()).toEqual([]);
    expect((await fleet.addHost('rack-2', 'admin')).host.name).toBe('rack-2');
  });

  it('creates a host whose key opens ingest, stores a batch once, and serves the host latest and history', async () => {
    const clock = new VirtualClock(T0);
    const reports: string[] = [];
    const fleet = createFleetService({
      repo: store().fleet,
      clock,
      settings: () => ({ silentAfterMs: 60_000 }),
      onIngest: (r) => void reports.push(`${r.host}:${r.batchId}:${r.snapshots}:${r.latest.time}`),
    });
    const { host, key } = await fleet.addHost('rack-1', 'admin');
    expect(host.health).toBe('never-seen');
    expect(key).toMatch(/^orcha-agent_[0-9a-f]{8}_/);

    const agent = await fleet.authenticateAgent(`Bearer ${key}`);
    expect(agent?.name).toBe('rack-1');
    expect(await fleet.authenticateAgent(`Bearer ${key.slice(0, -2)}xx`)).toBeNull();

    const batch = { batchId: 'batch-0001', agentVersion: '0.1.0', snapshots: snaps(T0, 12) };
    expect(await fleet.ingest(agent!, batch)).toEqual({ result: 'stored', snapshots: 12, expired: 0 });
    // The same batch again (an agent that never saw the answer) changes nothing.
    expect(await fleet.ingest(agent!, batch)).toEqual({ result: 'duplicate', snapshots: 12, expired: 0 });
    // The live feed (WebSocket `hosts`) hears of the stored batch once, with its newest snapshot.
    expect(reports).toEqual([`rack-1:batch-0001:12:${T0 + 11 * 5000}`]);
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
    const clock = new VirtualClock(T0);
    const published: string[] = [];
    const fleetConfig = { silentAfter: 300, checkEvery: 60, spoolAlertSnapshots: 720, spoolGrowingFor: 300, leaseTtl: 15 };
    const cp = createFleetControlPlane({
      config: () => fleetConfig,
      store: store(),
      clock,
      log: silentLogger(),
      events: { emit: (topic, e) => void (topic === 'alerts' && published.push(`${(e as { change: string }).change}:${(e as { alert: { type: string } }).alert.type}`)) },
    });
    const { key } = await cp.service.addHost('edge-1', null);
    const host = (await cp.service.authenticateAgent(key))!;
    await cp.service.ingest(host, { batchId: 'batch-a-0001', agentVersion: '0.0.9', snapshots: snaps(T0, 2) });
    await cp.alertsLoop.tick();
    const open = async () => (await store().alerts.list({ status: 'open' })).map((a) => [a.type, a.severity, a.message]);
    expect(await open()).toEqual([['agent_version_skew', 'warning', expect.stringContaining(`agent 0.0.9 reports to control plane ${AGENT_VERSION}`)]]);

    await clock.advance(fleetConfig.silentAfter * 1000 + 60_000);
    await cp.alertsLoop.tick();
    expect((await open()).map((a) => a[0]).sort()).toEqual(['agent_version_skew', 'host_silent']);
    expect((await open()).find((a) => a[0] === 'host_silent')?.[2]).toMatch(/host edge-1: no report from its agent for 6 min/);

    await cp.service.ingest(host, { batchId: 'batch-a-0002', agentVersion: AGENT_VERSION, snapshots: snaps(clock.now(), 1) });
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([]);
    expect(published).toEqual(['raised:agent_version_skew', 'raised:host_silent', 'resolved:host_silent', 'resolved:agent_version_skew']);
  });
});

describeEachStore('fleet: alert on a growing agent spool', (factory) => {
  const store = useStore(factory);

  it('raises agent_spool_growing while the spool keeps growing past the threshold, and resolves it as it drains', async () => {
    const clock = new VirtualClock(T0);
    const fleetConfig = { silentAfter: 600, checkEvery: 60, spoolAlertSnapshots: 100, spoolGrowingFor: 120, leaseTtl: 15 };
    const published: string[] = [];
    const cp = createFleetControlPlane({
      config: () => fleetConfig,
      store: store(),
      clock,
      log: silentLogger(),
      events: { emit: (topic, e) => void (topic === 'alerts' && published.push(`${(e as { change: string }).change}:${(e as { alert: { type: string } }).alert.type}`)) },
    });
    const { key } = await cp.service.addHost('edge-2', null);
    const { key: oldKey } = await cp.service.addHost('old-agent', null);
    let n = 0;
    const send = async (k: string, spool?: { pending: number; oldestAt: number | null }) => {
      const host = (await cp.service.authenticateAgent(k))!;
      await cp.service.ingest(host, { batchId: `batch-spool-${++n}`, agentVersion: AGENT_VERSION, snapshots: snaps(clock.now(), 1), spool });
    };
    const open = async () => (await store().alerts.list({ status: 'open' })).map((a) => a.message);

    // An agent that does not report its spool (before 0.2.0) is served as before and never alerted on.
    await send(oldKey);
    // Above the threshold but not growing for long enough yet: no alert.
    await send(key, { pending: 150, oldestAt: T0 - 600_000 });
    await clock.advance(60_000);
    await send(key, { pending: 200, oldestAt: T0 - 600_000 });
    await send(oldKey);
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([]);

    // Still growing two minutes after it first grew: the alert opens, naming the host, the count and the threshold.
    await clock.advance(120_000);
    await send(key, { pending: 260, oldestAt: T0 - 600_000 });
    await send(oldKey);
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([expect.stringMatching(/^host edge-2: 260 snapshots wait in its agent's spool \(threshold 100\), the oldest from 13 min ago, growing for 2 min$/)]);
    const [alert] = await store().alerts.list({ status: 'open' });
    expect(alert).toMatchObject({ type: 'agent_spool_growing', severity: 'warning', dedupKey: 'agent_spool_growing:edge-2' });
    expect((await cp.service.listHosts()).find((h) => h.name === 'edge-2')?.spool).toMatchObject({ pending: 260, growingSince: T0 + 60_000 });

    // The agent catches up: the count shrinks, the alert resolves (while the spool still holds more than the threshold).
    await clock.advance(30_000);
    await send(key, { pending: 180, oldestAt: T0 });
    await send(oldKey);
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([]);
    expect(published).toEqual(['raised:agent_spool_growing', 'resolved:agent_spool_growing']);
  });
});

describeEachStore('fleet: alert on a node that a host reports disconnected', (factory) => {
  const store = useStore(factory);

  it('raises host_node_disconnected naming the host, the node and its reason; resolves it when the node is back', async () => {
    const clock = new VirtualClock(T0);
    const fleetConfig = { silentAfter: 300, checkEvery: 60, spoolAlertSnapshots: 720, spoolGrowingFor: 300, leaseTtl: 15 };
    const published: string[] = [];
    const cp = createFleetControlPlane({
      config: () => fleetConfig,
      store: store(),
      clock,
      log: silentLogger(),
      events: { emit: (topic, e) => void (topic === 'alerts' && published.push(`${(e as { change: string }).change}:${(e as { alert: { type: string } }).alert.type}`)) },
    });
    const { key } = await cp.service.addHost('edge-3', null);
    const host = (await cp.service.authenticateAgent(key))!;
    let n = 0;
    const send = (golem: Partial<Parameters<typeof protocolSample>[2]>) =>
      cp.service.ingest(host, {
        batchId: `batch-node-${++n}`,
        agentVersion: AGENT_VERSION,
        snapshots: [snapshot(clock.now(), [protocolSample('storj', clock.now()), protocolSample('golem', clock.now(), golem)])],
      });
    const open = async () => (await store().alerts.list({ status: 'open' })).map((a) => [a.type, a.dedupKey, a.protocol, a.message]);

    await send({ connected: false, error: 'ORCHA_ERR_ADAPTER_TIMEOUT: no answer within 5000 ms' });
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([
      ['host_node_disconnected', 'host_node_disconnected:edge-3:golem', 'golem', 'host edge-3: node golem is disconnected: ORCHA_ERR_ADAPTER_TIMEOUT: no answer within 5000 ms'],
    ]);

    await clock.advance(60_000);
    await send({ connected: true });
    await cp.alertsLoop.tick();
    expect(await open()).toEqual([]);

    // A silent host's nodes are not known: its host_silent alert speaks for them.
    await send({ connected: false });
    await clock.advance(fleetConfig.silentAfter * 1000 + 60_000);
    await cp.alertsLoop.tick();
    expect((await open()).map((a) => a[0])).toEqual(['host_silent']);
    expect(published).toEqual(['raised:host_node_disconnected', 'resolved:host_node_disconnected', 'raised:host_silent']);
  });
});
