/** Turning aggregated rows into points, and merging buckets that were read partly from rollups, partly raw. */
import { decode } from '../codec.js';
import type { ProtocolPoint, SnapshotPoint } from '../types.js';

type Num = number | string | null;

/** Raw aggregates as SQL returns them: scaled-integer averages and sums. */
export interface RawProtocolAggregate {
  protocol_id: number;
  bucket: Num;
  samples: Num;
  usd_per_hour: Num;
  earned_usd: Num;
  earned_tokens: Num;
  connected: Num;
  uptime: Num;
  cpu_percent: Num;
  memory_bytes: Num;
  bandwidth_bps: Num;
  storage_bytes: Num;
  alloc_cpu: Num;
  alloc_memory: Num;
  alloc_bandwidth: Num;
  alloc_storage: Num;
}

export function rawProtocolPoint(row: RawProtocolAggregate, protocol: string): ProtocolPoint {
  return {
    time: Number(row.bucket),
    protocol,
    usdPerHour: decode(row.usd_per_hour, 'usd'),
    earnedUsd: decode(row.earned_usd, 'usd'),
    earnedTokens: decode(row.earned_tokens, 'tokens'),
    connected: Number(row.connected ?? 0),
    uptime: decode(row.uptime, 'uptime'),
    cpuPercent: decode(row.cpu_percent, 'percent'),
    memoryBytes: Number(row.memory_bytes ?? 0),
    bandwidthBytesPerSec: Number(row.bandwidth_bps ?? 0),
    storageBytes: Number(row.storage_bytes ?? 0),
    allocCpu: decode(row.alloc_cpu, 'percent'),
    allocMemory: decode(row.alloc_memory, 'percent'),
    allocBandwidth: decode(row.alloc_bandwidth, 'percent'),
    allocStorage: decode(row.alloc_storage, 'percent'),
    samples: Number(row.samples ?? 0),
  };
}

/** Rollup aggregates are already in domain units. */
export function rollupProtocolPoint(row: RawProtocolAggregate, protocol: string): ProtocolPoint {
  const n = (v: Num) => Number(v ?? 0);
  return {
    time: n(row.bucket),
    protocol,
    usdPerHour: n(row.usd_per_hour),
    earnedUsd: n(row.earned_usd),
    earnedTokens: n(row.earned_tokens),
    connected: n(row.connected),
    uptime: n(row.uptime),
    cpuPercent: n(row.cpu_percent),
    memoryBytes: n(row.memory_bytes),
    bandwidthBytesPerSec: n(row.bandwidth_bps),
    storageBytes: n(row.storage_bytes),
    allocCpu: n(row.alloc_cpu),
    allocMemory: n(row.alloc_memory),
    allocBandwidth: n(row.alloc_bandwidth),
    allocStorage: n(row.alloc_storage),
    samples: n(row.samples),
  };
}

const AVERAGED_PROTOCOL_FIELDS = [
  'usdPerHour', 'connected', 'uptime', 'cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec', 'storageBytes',
  'allocCpu', 'allocMemory', 'allocBandwidth', 'allocStorage',
] as const;

/** Merges points of the same bucket and protocol (sample-weighted averages, summed earnings), sorted by time. */
export function mergeProtocolPoints(points: ProtocolPoint[]): ProtocolPoint[] {
  const merged = new Map<string, ProtocolPoint>();
  for (const p of points) {
    const key = `${p.time}\u0000${p.protocol}`;
    const prev = merged.get(key);
    if (!prev) {
      merged.set(key, { ...p });
      continue;
    }
    const total = prev.samples + p.samples;
    for (const f of AVERAGED_PROTOCOL_FIELDS) {
      prev[f] = total > 0 ? (prev[f] * prev.samples + p[f] * p.samples) / total : 0;
    }
    prev.earnedUsd += p.earnedUsd;
    prev.earnedTokens += p.earnedTokens;
    prev.samples = total;
  }
  return [...merged.values()].sort((a, b) => a.time - b.time || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
}

export interface SnapshotAggregate {
  point: SnapshotPoint;
  samples: number;
}

const AVERAGED_SNAPSHOT_FIELDS = ['totalUsdPerHour', 'cpuPercent', 'memoryPercent', 'bandwidthPercent', 'storagePercent'] as const;

export function mergeSnapshotPoints(points: SnapshotAggregate[]): SnapshotPoint[] {
  const merged = new Map<number, SnapshotAggregate>();
  for (const a of points) {
    const prev = merged.get(a.point.time);
    if (!prev) {
      merged.set(a.point.time, { point: { ...a.point }, samples: a.samples });
      continue;
    }
    const total = prev.samples + a.samples;
    for (const f of AVERAGED_SNAPSHOT_FIELDS) {
      prev.point[f] = total > 0 ? (prev.point[f] * prev.samples + a.point[f] * a.samples) / total : 0;
    }
    prev.samples = total;
  }
  return [...merged.values()].map((a) => a.point).sort((a, b) => a.time - b.time);
}
