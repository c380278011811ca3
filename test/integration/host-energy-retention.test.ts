/**
 * Fleet hosts' energy points under `storage.retention.rawDays`, on both databases: the fleet retention job deletes
 * every host's points older than the raw window (this machine's energy points have no rollups either) and keeps the
 * newer ones and each host's latest figures.
 */
import { expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createFleetService } from '../../src/fleet/fleet.service.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { energyPoint } from '../helpers/energy-points.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describeEachStore('fleet hosts energy retention', (factory) => {
  const store = useStore(factory);

  it('deletes points older than rawDays for every host and keeps the rest and the latest figures', async () => {
    const clock = new VirtualClock(T0 + 5 * DAY);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: 60_000 }) });
    for (const name of ['edge', 'attic']) {
      const { key } = await fleet.addHost(name, null);
      const host = (await fleet.authenticateAgent(key))!;
      const times = [T0, T0 + DAY, T0 + 4 * DAY, T0 + 5 * DAY - 60_000];
      const snapshots = times.map((t) => snapshot(t, [protocolSample('storj', t)]));
      await fleet.ingest(host, { batchId: `${name}-batch-1`, agentVersion: '0.3.0', snapshots, energy: times.map((t) => energyPoint(t)) });
    }
    const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
    await createFleetRetentionJob({ rollups: store().fleetRollups, energy: store().hostEnergy, clock, log: silentLogger(), getConfig: () => config }).run();
    for (const name of ['edge', 'attic']) {
      const host = await fleet.host(name);
      const history = await store().hostEnergy.of(host.id).history({ from: 0, to: clock.now(), stepMs: 60_000 });
      expect(history.host.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect(history.protocols.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect(history.meters.map((p) => p.time), name).toEqual([T0 + 4 * DAY, T0 + 5 * DAY - 60_000]);
      expect((await store().hostEnergy.now(host.id))?.time, name).toBe(T0 + 5 * DAY - 60_000);
    }
  });
});
