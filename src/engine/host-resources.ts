import { readFile, stat, statfs } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import si from 'systeminformation';
import type { HostResources } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';

/** Reads this machine's CPU, memory, network and disk use (systeminformation does the per-OS work for CPU and memory). */
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

/**
 * Bytes received plus sent by every interface but loopback. On Linux one read of /proc/net/dev; systeminformation
 * would start a shell per interface on every poll (and its first call runs several more to describe each one).
 */
async function networkBytes(): Promise<number> {
  let text: string | null = null;
  if (process.platform === 'linux') text = await readFile('/proc/net/dev', 'utf8').catch(() => null);
  if (text === null) {
    const nets = await si.networkStats('*');
    return nets.filter((n) => n.iface !== 'lo').reduce((s, n) => s + (n.rx_bytes ?? 0) + (n.tx_bytes ?? 0), 0);
  }
  let total = 0;
  // "  eth0: rxBytes rxPackets ... (8 receive fields) txBytes ..." after two header lines
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    total += (Number(fields[0]) || 0) + (Number(fields[8]) || 0);
  }
  return total;
}

/**
 * Size and use of the file systems holding `paths`, each file system once (same device). statfs(2) answers
 * directly, where systeminformation's fsSize ran `df` and a synchronous `cat /proc/mounts` (blocking the event
 * loop for the fork) on every poll. A path that does not exist yet counts by its nearest existing parent.
 */
export async function storageOf(paths: string[]): Promise<{ totalBytes: number; usedBytes: number }> {
  const seen = new Set<number>();
  let totalBytes = 0;
  let usedBytes = 0;
  for (const p of paths) {
    let dir = p;
    for (;;) {
      try {
        const [st, fs] = await Promise.all([stat(dir), statfs(dir)]);
        if (!seen.has(st.dev)) {
          seen.add(st.dev);
          totalBytes += fs.blocks * fs.bsize;
          usedBytes += (fs.blocks - fs.bfree) * fs.bsize;
        }
        break;
      } catch {
        if (dirname(dir) === dir) break;
        dir = dirname(dir);
      }
    }
  }
  return { totalBytes, usedBytes };
}

/** Busy and total CPU time of all cores since boot, milliseconds (libuv reads /proc/stat: no shell, no fork). */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

export function createHostReader(options: HostReaderOptions): HostReader {
  // Network rate = change of the interfaces' byte counters between two reads.
  let lastNet: { time: number; bytes: number } | null = null;
  let lastRate = 0;
  // CPU use = busy share of the CPU time between two reads (since boot at the first). systeminformation's
  // currentLoad ran `cat /proc/stat | grep cpu` through a synchronous shell at every read, blocking the event loop
  // (100-300 ms per poll on a busy 2-core host, enough to make healthy nodes miss their poll interval).
  let lastCpu = { busy: 0, total: 0 };

  return {
    async read(): Promise<HostResources> {
      const [mem, bytes, storage] = await Promise.all([
        si.mem(),
        networkBytes(),
        storageOf(options.storagePaths),
      ]);
      const now = options.clock.now();
      if (lastNet && now > lastNet.time && bytes >= lastNet.bytes) lastRate = ((bytes - lastNet.bytes) * 1000) / (now - lastNet.time);
      lastNet = { time: now, bytes };
      const cpu = cpuTimes();
      const spent = cpu.total - lastCpu.total;
      const cpuPercent = spent > 0 ? Math.min(100, Math.max(0, ((cpu.busy - lastCpu.busy) / spent) * 100)) : 0;
      lastCpu = cpu;
      return {
        cpuCount: cpus().length,
        cpuPercent: Number.isFinite(cpuPercent) ? cpuPercent : 0,
        memoryTotalBytes: mem.total,
        // `active` excludes reclaimable cache: what programs hold.
        memoryUsedBytes: mem.active,
        bandwidthCapacityBytesPerSec: options.bandwidthCapacityBytesPerSec,
        bandwidthBytesPerSec: lastRate,
        storageTotalBytes: storage.totalBytes,
        storageUsedBytes: storage.usedBytes,
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
