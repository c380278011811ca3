/**
 * Fleet hosts' energy points under `storage.retention.rawDays`, on both databases: the fleet retention job rolls
 * every host's points older than the raw window up hourly (migration 023) and deletes them, keeps the newer ones and
 * each host's latest figures; the host's energy totals (its energy report) over the whole period are unchanged.
 */
import { expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { energyPoint } from '../helpers/energy-points.js';
import { describeEachStore, protocolSample, rawQuery, snapshot, useStore } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describeEachStore('fleet hosts energy retention', (factory) => {
  const store = useStore(factory);

  it('rolls up and deletes points older than rawDays for every host, keeps the rest, the latest figures and the totals', async () => {
    const clock = new VirtualClock(T0 + 5 * DAY);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    for (const name of ['edge', 'attic']) {
      const { key } = await fleet.addHost(name, null);
      const host = (await fleet.authenticateAgent(key))!;
      const times = [T0, T0 + DAY, T0 + 4 * DAY, T0 + 5 * DAY - 60_000];
      const snapshots = times.map((t) => snapshot(t, [protocolSample('storj', t)]));
      await fleet.ingest(host, { batchId: `${name}-batch-1`, agentVersion: '0.3.0', snapshots, energy: times.map((t) => energyPoint(t)) });
    }
    const totals = async (name: string) => {
      const energy = store().hostEnergy.of((await fleet.host(name)).id);
      const range = { from: T0, to: clock.now() };
      return { protocols: await energy.totals(range), host: await energy.hostTotals(range), daily: await energy.history({ ...range, stepMs: DAY }) };
    };
    const before = { edge: await totals('edge'), attic: await totals('attic') };
    expect(before.edge.host.points).toBe(4);
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    await createFleetRetentionJob({ rollups: store().fleetRollups, energy: store().hostEnergy, clock, log: silentLogger(), getConfig: () => config }).run();
    for (const name of ['edge', 'attic']) {
      const host = await fleet.host(name);
      const history = await store().hostEnergy.of(host.id).history({ from: 0, to: clock.now(), stepMs: 60_000 });
      expect(history.host.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect(history.protocols.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect(history.meters.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect((await store().hostEnergy.now(host.id))?.time, name).toBe(T0 + 5 * DAY - 60_000);
      const after = await totals(name);
      const was = before[name as 'edge' | 'attic'];
      expect(after.host.points, name).toBe(was.host.points);
      expect(after.host.energyKwh, name).toBeCloseTo(was.host.energyKwh, 9);
      expect(after.host.costUsd, name).toBeCloseTo(was.host.costUsd, 9);
      expect(after.protocols.map((p) => [p.protocol, p.points, p.firstTime, p.coveredMs]), name).toEqual(was.protocols.map((p) => [p.protocol, p.points, p.firstTime, p.coveredMs]));
      after.protocols.forEach((p, i) => {
        expect(p.costUsd).toBeCloseTo(was.protocols[i]!.costUsd, 9);
        expect(p.grossUsd).toBeCloseTo(was.protocols[i]!.grossUsd, 9);
      });
      // The history at a step of whole hours (here days) answers the rolled-up days as before.
      expect(after.daily.host.map((p) => [p.time, p.hostWatts.toFixed(6), p.energyKwh.toFixed(9), p.costUsd.toFixed(9), p.estimated])).toEqual(
        was.daily.host.map((p) => [p.time, p.hostWatts.toFixed(6), p.energyKwh.toFixed(9), p.costUsd.toFixed(9), p.estimated]),
      );
      expect(after.daily.protocols.map((p) => [p.time, p.protocol, p.watts.toFixed(6), p.costUsd.toFixed(9), p.grossUsd.toFixed(9)])).toEqual(
        was.daily.protocols.map((p) => [p.time, p.protocol, p.watts.toFixed(6), p.costUsd.toFixed(9), p.grossUsd.toFixed(9)]),
      );
      expect(after.daily.host).toHaveLength(3);
      // Only the points of the last two days are left raw; the two older days are one hourly row each.
      const rolled = await rawQuery(store(), `select count(*) as n from host_energy_hourly where host_id = '${host.id}'`);
      expect(Number(rolled[0]!.n), name).toBe(2);
    }
  });
});
