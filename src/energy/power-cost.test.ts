import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { protocolSample, snapshot } from '../../test/helpers/stores.js';
import { attributePower } from './attribution.js';
import { powerCostPerPoint } from './power-cost.js';
import { type EnergyConfig, EnergyConfigSchema } from './schema.js';

const energy = (raw: Record<string, unknown> = {}) => Value.Default(EnergyConfigSchema, raw) as EnergyConfig;

describe('power cost per share point (the optimizer\'s power term)', () => {
  // 8 cores. `busy` keeps its 40 % CPU share busy (320 % of one core = 3.2 of its 3.2 cores); `lazy` uses a quarter
  // of its 40 %; `unknown` has no container figures (charged what the attribution gives it).
  const s = snapshot(0, [
    protocolSample('busy', 0, { cpuPercent: 320, allocation: { cpu: 40, memory: 10, bandwidth: 20, storage: 30 } }),
    protocolSample('lazy', 0, { cpuPercent: 80, allocation: { cpu: 40, memory: 10, bandwidth: 20, storage: 30 } }),
    protocolSample('unknown', 0, { cpuPercent: null, allocation: { cpu: 10, memory: 10, bandwidth: 20, storage: 30 } }),
  ]);

  it('without a meter follows the declared-watts estimate: only CPU draws, as much as the protocol loads its share', () => {
    const config = energy({ estimate: { idleWatts: 40, maxWatts: 140 } });
    const attribution = attributePower({ snapshot: s, hostWatts: 90, dedicatedWatts: {}, config });
    const cost = powerCostPerPoint({ snapshot: s, attribution, config, estimateOnly: true, usdPerKwh: 0.5 });
    // (140 - 40) W over 100 % of host CPU = 1 W per fully loaded point, at 0.5 USD/kWh = 0.0005 USD/h.
    expect(cost.busy).toEqual({ cpu: 0.0005, memory: 0, bandwidth: 0, storage: 0 });
    expect(cost.lazy!.cpu).toBeCloseTo(0.0005 / 4, 12);
    // Not measured: the watts the attribution gives it over its 10 points, so its cost now matches the energy view.
    const unknown = attribution.protocols.find((p) => p.protocol === 'unknown')!;
    expect(unknown.activeWatts).toBeGreaterThan(0);
    expect(cost.unknown!.cpu).toBeCloseTo((unknown.activeWatts / 10 / 1000) * 0.5, 12);
    expect(cost.unknown!.cpu * 10).toBeLessThan(0.0005 * 10);
    // Free power costs nothing anywhere.
    expect(powerCostPerPoint({ snapshot: s, attribution, config, estimateOnly: true, usdPerKwh: 0 }).busy).toEqual({ cpu: 0, memory: 0, bandwidth: 0, storage: 0 });
  });

  it('with a meter charges each point what the attribution charges through its kind of load', () => {
    const config = energy({ estimate: { idleWatts: 40 }, attribution: { weights: { cpu: 0.5, network: 0.5, disk: 0 } } });
    // 100 W measured above idle. CPU is not measured for `unknown`, so CPU goes by allocation share (40/40/10);
    // network is measured (250 kB/s each): a third each.
    const attribution = attributePower({ snapshot: s, hostWatts: 140, dedicatedWatts: { busy: 25 }, config });
    const busy = attribution.protocols.find((p) => p.protocol === 'busy')!;
    expect(busy.kindWatts.cpu).toBeCloseTo(50 * (40 / 90), 9);
    expect(busy.kindWatts.network).toBeCloseTo(50 / 3, 9);
    // The dedicated 25 W are charged to busy, but do not follow its shares.
    expect(busy.activeWatts).toBeCloseTo(busy.kindWatts.cpu + busy.kindWatts.network + 25, 9);
    const cost = powerCostPerPoint({ snapshot: s, attribution, config, estimateOnly: false, usdPerKwh: 1 });
    expect(cost.busy!.cpu).toBeCloseTo((50 * (40 / 90)) / 40 / 1000, 12);
    expect(cost.busy!.bandwidth).toBeCloseTo(50 / 3 / 20 / 1000, 12);
    expect(cost.busy!.storage).toBe(0);
    expect(cost.busy!.memory).toBe(0);
  });
});
