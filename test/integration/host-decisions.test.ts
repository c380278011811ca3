/**
 * Decisions per host on the control plane, on the real databases: the replica holding a host's lease plans from the
 * host's stored snapshots and its agent's planning settings; the plan reaches the agent through the plan exchange
 * under the lease's fence; a replica without the lease plans nothing, and a write under a stale fence is refused;
 * the agent's reported outcome is kept with the plan.
 */
import { expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { createStrategy } from '../../src/engine/optimizer/index.js';
import { createFleetControlPlane } from '../../src/fleet/control-plane.js';
import type { PlanningContext } from '../../src/fleet/planning-context.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const limits = { cpu: { min: 0, max: 100 }, memory: { min: 0, max: 100 }, bandwidth: { min: 0, max: 100 }, storage: { min: 0, max: 100 } };
const planning: PlanningContext = {
  protocols: [
    { name: 'storj', type: 'storj', enabled: true, pinned: false, limits },
    { name: 'golem', type: 'golem', enabled: true, pinned: false, limits },
  ],
  reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 5 },
  policies: [],
};
const snaps = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const t = from + i * 5000;
    return snapshot(t, [
      protocolSample('storj', t, { usdPerHour: 0.5, allocation: { cpu: 10, memory: 10, bandwidth: 10, storage: 60 } }),
      protocolSample('golem', t, { type: 'golem', usdPerHour: 0.25, allocation: { cpu: 70, memory: 70, bandwidth: 70, storage: 10 } }),
    ]);
  });

describeEachStore('fleet: decisions per host', (factory) => {
  const store = useStore(factory);

  it('plans for a host on the replica holding its lease only, under its fence, and keeps the outcome the agent reports', async () => {
    const clock = new VirtualClock(T0);
    const config = loadConfigText('optimizer: { strategy: equal }', {});
    const replica = (name: string) =>
      createFleetControlPlane({
        store: store(),
        clock,
        log: silentLogger(),
        events: { emit: () => undefined },
        config: () => config.fleet,
        replica: name,
        decisions: { strategy: createStrategy('equal'), config: () => config },
      });
    const a = replica('replica-a');
    const b = replica('replica-b');
    const { key } = await a.service.addHost('rack-1', null);
    const host = (await a.service.authenticateAgent(key))!;
    await a.service.ingest(host, { batchId: 'batch-plan-1', agentVersion: '0.2.0', snapshots: snaps(T0, 6) });

    // No planning settings yet: nothing to plan with, and the agent gets no plan.
    await a.leases.round();
    await b.leases.round();
    expect(await a.decisions!.decideAll()).toEqual([]);
    expect(await a.service.exchangePlan(host, planning)).toBeNull();

    // With them, the lease holder plans; the other replica does not.
    expect(await b.decisions!.decideAll()).toEqual([]);
    expect(await a.decisions!.decideAll()).toEqual(['rack-1']);
    const first = (await a.service.exchangePlan(host, planning))!;
    expect(first).toMatchObject({ fence: 1, plan: { strategy: 'equal', current: { storj: { cpu: 10 }, golem: { cpu: 70 } } } });
    expect(first.plan.target.storj.cpu).toBeCloseTo(first.plan.target.golem.cpu, 6);
    expect((await a.service.listHosts())[0].decidedBy).toMatchObject({ replica: 'replica-a', fence: 1 });

    // replica-a freezes past the lease: replica-b takes the host under fence 2 and plans; replica-a plans nothing,
    // and a plan written under its old fence is refused by the database.
    await clock.advance(config.fleet.leaseTtl * 1000 + 1);
    await b.leases.round();
    expect(await a.decisions!.decideAll()).toEqual([]);
    expect(
      await store().hostPlans.insertFenced(
        { id: 'stale-plan', hostId: host.id, fence: 1, createdAt: clock.now(), plan: first.plan },
        { name: 'host:rack-1', holder: 'replica-a', now: clock.now() },
      ),
    ).toBe(false);
    expect(await b.decisions!.decideAll()).toEqual(['rack-1']);
    const second = (await b.service.exchangePlan(host, planning))!;
    expect(second.fence).toBe(2);
    expect(second.id).not.toBe(first.id);

    // The agent reports what its engine did with the plan; an unknown plan is not counted.
    const outcome = { planId: second.id, status: 'applied', reason: null, reallocationId: 'r-1', at: clock.now() };
    expect(await b.service.reportOutcomes(host, [outcome, { ...outcome, planId: 'no-such-plan' }])).toBe(1);
    expect((await store().hostPlans.latest(host.id))?.outcome).toEqual({ status: 'applied', reason: null, reallocationId: 'r-1', reportedAt: clock.now() });
    // Later its measured effect, with the same outcome.
    expect(await b.service.reportOutcomes(host, [{ ...outcome, measuredBeforeUsdPerHour: 0.5, measuredAfterUsdPerHour: 0.75 }])).toBe(1);
    expect((await store().hostPlans.latest(host.id))?.outcome).toMatchObject({ status: 'applied', measuredBeforeUsdPerHour: 0.5, measuredAfterUsdPerHour: 0.75 });
  });

  it("plans an operator's request on whichever replica receives it, under the holder's live lease, and the agent gets it", async () => {
    const clock = new VirtualClock(T0);
    const config = loadConfigText('optimizer: { strategy: equal }', {});
    const replica = (name: string) =>
      createFleetControlPlane({
        store: store(),
        clock,
        log: silentLogger(),
        events: { emit: () => undefined },
        config: () => config.fleet,
        replica: name,
        decisions: { strategy: createStrategy('equal'), config: () => config },
      });
    const a = replica('replica-a');
    const b = replica('replica-b');
    const { key } = await a.service.addHost('rack-2', null);
    const host = (await a.service.authenticateAgent(key))!;
    const request = { operationId: 'op-1', dryRun: false, requestedBy: 'ops', requestedAt: T0 };

    // Before any replica holds the host, a request is refused with a reason to ask again.
    await expect(b.decisions!.decideRequest(host, request)).rejects.toMatchObject({ code: 'ORCHA_ERR_DEPENDENCY_DOWN' });

    await a.service.ingest(host, { batchId: 'batch-req-1', agentVersion: '0.2.0', snapshots: snaps(T0, 6) });
    await a.leases.round();
    await b.leases.round();
    expect(await a.service.exchangePlan(host, planning)).toBeNull();

    // replica-b does not hold the lease: the request it receives is planned under replica-a's lease and fence.
    expect(a.leases.fence('host:rack-2')).toBe(1);
    expect(b.leases.fence('host:rack-2')).toBeNull();
    const planId = await b.decisions!.decideRequest(host, request);
    const pending = (await a.service.pendingRequest(host, T0))!;
    expect(pending).toMatchObject({ id: planId, fence: 1, request: { operationId: 'op-1', dryRun: false } });
    expect(pending.plan.target.storj.cpu).toBeCloseTo(pending.plan.target.golem.cpu, 6);

    // Once replica-a's lease has expired and nobody took it, a request is refused again rather than planned under it.
    await clock.advance(config.fleet.leaseTtl * 1000 + 1);
    await expect(b.decisions!.decideRequest(host, { ...request, operationId: 'op-2' })).rejects.toMatchObject({ code: 'ORCHA_ERR_DEPENDENCY_DOWN' });
  });

  it("plans each host with its own optimizer settings, and with the control plane's for an agent that sends none", async () => {
    const clock = new VirtualClock(T0);
    const config = loadConfigText('optimizer: { strategy: equal }', {});
    const cp = createFleetControlPlane({
      store: store(),
      clock,
      log: silentLogger(),
      events: { emit: () => undefined },
      config: () => config.fleet,
      replica: 'replica-a',
      decisions: { strategy: createStrategy('equal'), config: () => config },
    });
    const hosts = await Promise.all(
      ['own-settings', 'old-agent'].map(async (name) => {
        const { key } = await cp.service.addHost(name, null);
        const host = (await cp.service.authenticateAgent(key))!;
        await cp.service.ingest(host, { batchId: `batch-${name}`, agentVersion: '0.2.0', snapshots: snaps(T0, 6) });
        return host;
      }),
    );
    // One agent runs the greedy strategy at home; the other is older and sends no optimizer settings.
    const greedy = loadConfigText('optimizer: { strategy: greedy, minImprovementPercent: 1 }', {}).optimizer;
    await cp.service.exchangePlan(hosts[0]!, { ...planning, optimizer: greedy });
    await cp.service.exchangePlan(hosts[1]!, planning);
    await cp.leases.round();
    expect((await cp.decisions!.decideAll()).sort()).toEqual(['old-agent', 'own-settings']);
    expect((await store().hostPlans.latest(hosts[0]!.id))?.plan.strategy).toBe('greedy');
    expect((await store().hostPlans.latest(hosts[1]!.id))?.plan.strategy).toBe('equal');
    await cp.stop();
  });
});
