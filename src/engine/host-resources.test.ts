import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { HostResourcesSchema } from '../domain/sample.js';
import { VirtualClock } from '../lib/clock.js';
import { createHostReader, mountFor } from './host-resources.js';

describe('host resources', () => {
  it('reads this machine: cpu, memory, network rate and the disk of the configured path', async () => {
    const clock = new VirtualClock();
    const reader = createHostReader({ clock, storagePaths: ['/', '/'], bandwidthCapacityBytesPerSec: 1000 });
    await reader.read();
    await clock.advance(1000);
    const host = await reader.read();
    expect(Value.Check(HostResourcesSchema, host)).toBe(true);
    expect(host.cpuCount).toBeGreaterThan(0);
    expect(host.memoryTotalBytes).toBeGreaterThan(host.memoryUsedBytes);
    expect(host.storageTotalBytes).toBeGreaterThan(0);
    expect(host.bandwidthBytesPerSec).toBeGreaterThanOrEqual(0);
    expect(host.bandwidthCapacityBytesPerSec).toBe(1000);
  });

  it('maps a path to the longest mount point holding it', () => {
    const fss = [{ mount: '/' }, { mount: '/data' }, { mount: '/data2' }];
    expect(mountFor('/data/storj', fss)?.mount).toBe('/data');
    expect(mountFor('/data2', fss)?.mount).toBe('/data2');
    expect(mountFor('/var', fss)?.mount).toBe('/');
  });
});
