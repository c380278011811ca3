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

const AVERAGED_PROTOCOL_FIELDS = [
  'usdPerHour', 'connected', 'uptime', 'cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec', 'storageBytes',
  'allocCpu', 'allocMemory', 'allocBandwidth', 'allocStorage',
] as const;

/** Folds `p` into `into` (same bucket and protocol): sample-weighted averages, summed earnings and counts. */
function foldProtocolPoint(into: ProtocolPoint, p: ProtocolPoint): void {
  const total = into.samples + p.samples;
  for (const f of AVERAGED_PROTOCOL_FIELDS) {
    into[f] = total > 0 ? (into[f] * into.samples + p[f] * p.samples) / total : 0;
  }
  into.earnedUsd += p.earnedUsd;
  into.earnedTokens += p.earnedTokens;
  into.samples = total;
}

/**
 * Merges points of the same bucket and protocol (read partly from rollups, partly raw), sorted by time then protocol.
 * The points are the caller's own, fresh from the database, so they are merged in place. Tens of thousands of points
 * (a year of hours) pass through here, so: one list per protocol (sorted by time only when a read did not return it
 * in order), duplicates folded as neighbours, then the few lists merged by time in protocol-name order.
 */
export function mergeProtocolPoints(points: ProtocolPoint[]): ProtocolPoint[] {
  const byProtocol = new Map<string, ProtocolPoint[]>();
  for (const p of points) {
    const list = byProtocol.get(p.protocol);
    if (list) list.push(p);
    else byProtocol.set(p.protocol, [p]);
  }
  const lists = [...byProtocol.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => foldSorted(byProtocol.get(name)!));
  const next = lists.map(() => 0);
  const out: ProtocolPoint[] = [];
  for (;;) {
    let time = Number.POSITIVE_INFINITY;
    for (let k = 0; k < lists.length; k++) {
      const p = lists[k]![next[k]!];
      if (p && p.time < time) time = p.time;
    }
    if (time === Number.POSITIVE_INFINITY) return out;
    for (let k = 0; k < lists.length; k++) {
      const p = lists[k]![next[k]!];
      if (p && p.time === time) {
        out.push(p);
        next[k]!++;
      }
    }
  }
}

/** One protocol's points in time order, each bucket once. */
function foldSorted(list: ProtocolPoint[]): ProtocolPoint[] {
  let ordered = true;
  for (let i = 1; i < list.length && ordered; i++) ordered = list[i - 1]!.time < list[i]!.time;
  if (ordered) return list;
  list.sort((a, b) => a.time - b.time);
  const out: ProtocolPoint[] = [];
  for (const p of list) {
    const last = out[out.length - 1];
    if (last && last.time === p.time) foldProtocolPoint(last, p);
    else out.push(p);
  }
  return out;
}

export interface SnapshotAggregate {
  point: SnapshotPoint;
  samples: number;
}

const AVERAGED_SNAPSHOT_FIELDS = ['totalUsdPerHour', 'cpuPercent', 'memoryPercent', 'bandwidthPercent', 'storagePercent'] as const;

/** Merges aggregates of the same bucket (in place: they are the caller's own), sorted by time. */
export function mergeSnapshotPoints(points: SnapshotAggregate[]): SnapshotPoint[] {
  const merged = new Map<number, SnapshotAggregate>();
  for (const a of points) {
    const prev = merged.get(a.point.time);
    if (!prev) {
      merged.set(a.point.time, a);
      continue;
    }
    const total = prev.samples + a.samples;
    for (const f of AVERAGED_SNAPSHOT_FIELDS) {
      prev.point[f] = total > 0 ? (prev.point[f] * prev.samples + a.point[f] * a.samples) / total : 0;
    }
    prev.samples = total;
  }
  return Array.from(Float64Array.from(merged.keys()).sort(), (time) => merged.get(time)!.point);
}
