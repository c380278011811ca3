import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { HostResourcesSchema } from '../domain/sample.js';
import { VirtualClock } from '../lib/clock.js';
import { createHostReader, storageOf } from './host-resources.js';

describe('host resources', () => {
  it('reads this machine: cpu, memory, network rate and the disk of the configured path', async () => {
    const clock = new VirtualClock();
    const reader = createHostReader({ clock, storagePaths: ['/', '/'], bandwidthCapacityBytesPerSec: 1000 });
    await reader.read();
    await clock.advance(1000);
    const host = await reader.read();
    expect(Value.Check(HostResourcesSchema, host)).toBe(true);
    expect(host.cpuCount).toBeGreaterThan(0);
    expect(host.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(host.cpuPercent).toBeLessThanOrEqual(100);
    expect(host.memoryTotalBytes).toBeGreaterThan(host.memoryUsedBytes);
    expect(host.storageTotalBytes).toBeGreaterThan(0);
    expect(host.bandwidthBytesPerSec).toBeGreaterThanOrEqual(0);
    expect(host.bandwidthCapacityBytesPerSec).toBe(1000);
  });

  it('counts each file system once, and a path not created yet by its nearest existing parent', async () => {
    const root = await storageOf(['/']);
    expect(root.totalBytes).toBeGreaterThan(0);
    expect(root.usedBytes).toBeGreaterThan(0);
    // used bytes may move between two reads; the size of the one file system does not
    expect((await storageOf(['/', '/', '/no/such/dir/yet'])).totalBytes).toBe(root.totalBytes);
    expect(await storageOf([])).toEqual({ totalBytes: 0, usedBytes: 0 });
  });
});
