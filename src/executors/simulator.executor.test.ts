import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.js';
import { type SimulatorsHandle, startSimulators } from '../sim/index.js';
import { createSimulatorExecutor } from './simulator.executor.js';

const clock = new VirtualClock();
let sims: SimulatorsHandle;
const host = {
  cpuCount: 4,
  cpuPercent: 0,
  memoryTotalBytes: 1,
  memoryUsedBytes: 0,
  bandwidthCapacityBytesPerSec: 1,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 1,
  storageUsedBytes: 0,
};

beforeAll(async () => {
  sims = await startSimulators({ seed: 3, clock, types: ['golem'], initialAllocation: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 } });
});
afterAll(() => sims.close());

describe('simulator executor', () => {
  it('reads and applies allocations through the control endpoint, and earnings follow', async () => {
    const cfg = sims.protocols[0]!;
    const exec = createSimulatorExecutor(cfg);
    await exec.check();
    expect(await exec.read(host)).toEqual(cfg.initialAllocation);
    const model = sims.sims.get('golem')!.model;
    const before = model.currentUsdPerHour();
    await exec.apply({ cpu: 60, memory: 40, bandwidth: 0, storage: 0 }, host);
    expect(await exec.read(host)).toEqual({ cpu: 60, memory: 40, bandwidth: 0, storage: 0 });
    await clock.advance(60 * 60_000);
    expect(model.currentUsdPerHour()).toBeGreaterThan(before);
    expect(exec.restartsOnChange).toBe(false);
  });

  it('refuses invalid shares and reports an unreachable simulator', async () => {
    const cfg = sims.protocols[0]!;
    await expect(createSimulatorExecutor(cfg).apply({ cpu: 160, memory: 0, bandwidth: 0, storage: 0 }, host)).rejects.toMatchObject({
      code: 'ORCHA_ERR_EXECUTOR',
    });
    const gone = createSimulatorExecutor({ ...cfg, endpoint: 'http://127.0.0.1:1' });
    await expect(gone.check()).rejects.toMatchObject({ code: 'ORCHA_ERR_DEPENDENCY_DOWN' });
  });

  it('the fault switch is reachable over HTTP', async () => {
    const sim = sims.sims.get('golem')!;
    const res = await fetch(`${sim.url}/__sim/fault`, { method: 'PUT', body: JSON.stringify({ fault: 'http500' }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(204);
    expect(sim.fault()).toBe('http500');
    expect((await fetch(`${sim.url}/metrics-api/v1/expose`)).status).toBe(500);
    const bad = await fetch(`${sim.url}/__sim/fault`, { method: 'PUT', body: JSON.stringify({ fault: 'explode' }) });
    expect(bad.status).toBe(400);
    await fetch(`${sim.url}/__sim/fault`, { method: 'PUT', body: JSON.stringify({ fault: null }) });
    expect(sim.fault()).toBeNull();
  });
});
