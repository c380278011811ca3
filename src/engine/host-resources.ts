import { cpus } from 'node:os';
import si from 'systeminformation';
import type { HostResources } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';

/** Reads this machine's CPU, memory, network and disk use (systeminformation does the per-OS work). */
export interface HostReader {
  read(): Promise<HostResources>;
}

export interface HostReaderOptions {
  clock: Clock;
  /** Paths whose file systems count as storage (config host.storagePaths). */
  storagePaths: string[];
  /** config host.bandwidthBytesPerSec: what bandwidth shares refer to. */
  bandwidthCapacityBytesPerSec: number;
}

/** The file system holding `path`: the longest mount point that prefixes it. */
export function mountFor<T extends { mount: string }>(path: string, fss: T[]): T | undefined {
  const under = (m: string) => path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
  return fss.filter((f) => under(f.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
}

export function createHostReader(options: HostReaderOptions): HostReader {
  // Network rate = change of the interfaces' byte counters between two reads.
  let lastNet: { time: number; bytes: number } | null = null;
  let lastRate = 0;

  return {
    async read(): Promise<HostResources> {
      const [load, mem, nets, fss] = await Promise.all([si.currentLoad(), si.mem(), si.networkStats('*'), si.fsSize()]);
      const now = options.clock.now();
      const bytes = nets.filter((n) => n.iface !== 'lo').reduce((s, n) => s + (n.rx_bytes ?? 0) + (n.tx_bytes ?? 0), 0);
      if (lastNet && now > lastNet.time && bytes >= lastNet.bytes) lastRate = ((bytes - lastNet.bytes) * 1000) / (now - lastNet.time);
      lastNet = { time: now, bytes };
      const seen = new Set<string>();
      let storageTotalBytes = 0;
      let storageUsedBytes = 0;
      for (const p of options.storagePaths) {
        const fs = mountFor(p, fss);
        if (!fs || seen.has(fs.fs)) continue;
        seen.add(fs.fs);
        storageTotalBytes += fs.size;
        storageUsedBytes += fs.used;
      }
      return {
        cpuCount: cpus().length,
        cpuPercent: Number.isFinite(load.currentLoad) ? load.currentLoad : 0,
        memoryTotalBytes: mem.total,
        // `active` excludes reclaimable cache: what programs hold.
        memoryUsedBytes: mem.active,
        bandwidthCapacityBytesPerSec: options.bandwidthCapacityBytesPerSec,
        bandwidthBytesPerSec: lastRate,
        storageTotalBytes,
        storageUsedBytes,
      };
    },
  };
}

/** A fixed host (tests, benchmarks, simulations): the numbers never move. */
export function createStaticHostReader(host: Partial<HostResources> = {}): HostReader {
  const value: HostResources = {
    cpuCount: 8,
    cpuPercent: 20,
    memoryTotalBytes: 32 * 2 ** 30,
    memoryUsedBytes: 8 * 2 ** 30,
    bandwidthCapacityBytesPerSec: 12_500_000,
    bandwidthBytesPerSec: 1_000_000,
    storageTotalBytes: 8e12,
    storageUsedBytes: 2e12,
    ...host,
  };
  return { read: async () => ({ ...value }) };
}
