import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { protocolSample, snapshot } from '../../test/helpers/stores.js';
import { attributePower } from './attribution.js';
import { type EnergyConfig, EnergyConfigSchema } from './schema.js';

const energy = (raw: Record<string, unknown> = {}) => Value.Default(EnergyConfigSchema, raw) as EnergyConfig;

describe('attribution of power to protocols', () => {
  it('splits power above idle by allocation share, and says so, while no protocol reports its use', () => {
    const s = snapshot(0, [
      protocolSample('a', 0, { cpuPercent: 0, bandwidthBytesPerSec: 0, storageBytes: 0, allocation: { cpu: 60, memory: 10, bandwidth: 0, storage: 0 } }),
      protocolSample('b', 0, { cpuPercent: 0, bandwidthBytesPerSec: 0, storageBytes: 0, allocation: { cpu: 20, memory: 10, bandwidth: 0, storage: 0 } }),
    ]);
    const r = attributePower({ snapshot: s, hostWatts: 100, dedicatedWatts: {}, config: energy({ estimate: { idleWatts: 20 }, attribution: { idle: 'host' } }) });
    expect(r.basis).toBe('allocation');
    expect(r.protocols.map((p) => [p.protocol, p.activeWatts])).toEqual([
      ['a', 60],
      ['b', 20],
    ]);
    // Idle rule `host`: the 20 idle watts are overhead, charged to nobody.
    expect(r.overheadWatts).toBeCloseTo(20, 9);
  });

  it('does not charge a measured protocol for an unmeasured one: a kind is measured only when every node measured it', () => {
    const alloc = { cpu: 40, memory: 10, bandwidth: 0, storage: 0 };
    const s = snapshot(0, [
      // `a` runs in a container (Docker stats measured 30 % CPU); `b` has none, so its use is unknown (null).
      protocolSample('a', 0, { cpuPercent: 30, bandwidthBytesPerSec: 0, storageBytes: 0, allocation: alloc }),
      protocolSample('b', 0, { cpuPercent: null, bandwidthBytesPerSec: null, storageBytes: 0, allocation: alloc }),
    ]);
    const config = energy({ estimate: { idleWatts: 20 }, attribution: { idle: 'host', weights: { cpu: 1, network: 0, disk: 0 } } });
    const r = attributePower({ snapshot: s, hostWatts: 100, dedicatedWatts: {}, config });
    expect(r.basis).toBe('allocation');
    expect(r.protocols.map((p) => [p.protocol, p.activeWatts])).toEqual([
      ['a', 40],
      ['b', 40],
    ]);
    // Once `b` is measured too, measured use decides.
    const both = snapshot(0, [
      protocolSample('a', 0, { cpuPercent: 30, bandwidthBytesPerSec: 0, storageBytes: 0, allocation: alloc }),
      protocolSample('b', 0, { cpuPercent: 10, bandwidthBytesPerSec: 0, storageBytes: 0, allocation: alloc }),
    ]);
    const m = attributePower({ snapshot: both, hostWatts: 100, dedicatedWatts: {}, config });
    expect(m.basis).toBe('measured');
    expect(m.protocols.map((p) => [p.protocol, p.activeWatts])).toEqual([
      ['a', 60],
      ['b', 20],
    ]);
  });

  it('charges a protocol its dedicated meter and never more than the host draws when idle is over-declared', () => {
    const s = snapshot(0, [protocolSample('a', 0), protocolSample('b', 0)]);
    const r = attributePower({ snapshot: s, hostWatts: 15, dedicatedWatts: { b: 8 }, config: energy({ estimate: { idleWatts: 30 } }) });
    expect(r.idleWatts).toBe(15);
    expect(r.protocols.find((p) => p.protocol === 'b')!.watts).toBeCloseTo(7.5 + 8, 9);
    expect(r.protocols.reduce((sum, p) => sum + p.watts, 0)).toBeCloseTo(15 + 8, 9);
  });
});
