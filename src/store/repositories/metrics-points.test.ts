import { describe, expect, it } from 'vitest';
import type { ProtocolPoint } from '../types.js';
import { mergeProtocolPoints, mergeSnapshotPoints } from './metrics-points.js';

function point(time: number, protocol: string, samples: number, usdPerHour: number, earnedUsd = 0): ProtocolPoint {
  return {
    time, protocol, usdPerHour, earnedUsd, earnedTokens: earnedUsd * 2, connected: 1, uptime: 1, cpuPercent: usdPerHour,
    memoryBytes: 0, bandwidthBytesPerSec: 0, storageBytes: 0, allocCpu: 0, allocMemory: 0, allocBandwidth: 0, allocStorage: 0, samples,
  };
}

describe('mergeProtocolPoints', () => {
  it('orders by time, then protocol name, whatever order the reads came in', () => {
    const merged = mergeProtocolPoints([point(2000, 'storj', 1, 1), point(1000, 'storj', 1, 1), point(1000, 'golem', 1, 1), point(10_000, 'a', 1, 1)]);
    expect(merged.map((p) => [p.time, p.protocol])).toEqual([[1000, 'golem'], [1000, 'storj'], [2000, 'storj'], [10_000, 'a']]);
  });

  it('folds the parts of one bucket: sample-weighted averages, summed earnings and samples', () => {
    const [p] = mergeProtocolPoints([point(0, 'storj', 3, 10, 0.5), point(0, 'storj', 1, 2, 0.25)]);
    expect(p).toMatchObject({ samples: 4, usdPerHour: 8, cpuPercent: 8, earnedUsd: 0.75, earnedTokens: 1.5 });
  });
});

describe('mergeSnapshotPoints', () => {
  it('folds one bucket by samples and orders by time', () => {
    const host = (time: number, samples: number, cpu: number) => ({
      samples,
      point: { time, totalUsdPerHour: cpu, cpuPercent: cpu, memoryPercent: 0, bandwidthPercent: 0, storagePercent: 0 },
    });
    const merged = mergeSnapshotPoints([host(5, 1, 1), host(2, 1, 4), host(5, 3, 5)]);
    expect(merged.map((p) => [p.time, p.cpuPercent])).toEqual([[2, 4], [5, 4]]);
  });
});
