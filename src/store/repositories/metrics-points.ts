/** Turning aggregated rows into points, and merging buckets that were read partly from rollups, partly raw. */
import { decode, decodeOrNull } from '../codec.js';
import type { ProtocolPoint, SnapshotPoint } from '../types.js';

type Num = number | string | null | undefined;

/**
 * A raw aggregate row as SQL returns it (scaled-integer averages and sums), in select order: protocol_id, bucket,
 * samples, usd_per_hour, earned_usd, earned_tokens, connected, uptime, cpu_percent, memory_bytes, bandwidth_bps,
 * storage_bytes, alloc_cpu, alloc_memory, alloc_bandwidth, alloc_storage.
 */
export function rawProtocolPoint(r: unknown[], protocol: string): ProtocolPoint {
  const n = (i: number) => Number((r[i] as Num) ?? 0);
  return {
    time: n(1),
    protocol,
    usdPerHour: decode(r[3] as Num, 'usd'),
    earnedUsd: decode(r[4] as Num, 'usd'),
    earnedTokens: decode(r[5] as Num, 'tokens'),
    connected: n(6),
    uptime: decode(r[7] as Num, 'uptime'),
    cpuPercent: decodeOrNull(r[8] as Num, 'percent'),
    memoryBytes: decodeOrNull(r[9] as Num, 'bytes'),
    bandwidthBytesPerSec: decodeOrNull(r[10] as Num, 'bytes'),
    storageBytes: n(11),
    allocCpu: decode(r[12] as Num, 'percent'),
    allocMemory: decode(r[13] as Num, 'percent'),
    allocBandwidth: decode(r[14] as Num, 'percent'),
    allocStorage: decode(r[15] as Num, 'percent'),
    samples: n(2),
  };
}

const AVERAGED_PROTOCOL_FIELDS = [
  'usdPerHour', 'connected', 'uptime', 'storageBytes', 'allocCpu', 'allocMemory', 'allocBandwidth', 'allocStorage',
] as const;
/** Measured only where a container was: null (not measured) on one side leaves the other side's average. */
const MEASURED_PROTOCOL_FIELDS = ['cpuPercent', 'memoryBytes', 'bandwidthBytesPerSec'] as const;

/** Folds `p` into `into` (same bucket and protocol): sample-weighted averages, summed earnings and counts. */
function foldProtocolPoint(into: ProtocolPoint, p: ProtocolPoint): void {
  const total = into.samples + p.samples;
  for (const f of AVERAGED_PROTOCOL_FIELDS) {
    into[f] = total > 0 ? (into[f] * into.samples + p[f] * p.samples) / total : 0;
  }
  for (const f of MEASURED_PROTOCOL_FIELDS) {
    const a = into[f];
    const b = p[f];
    into[f] = a === null ? b : b === null ? a : total > 0 ? (a * into.samples + b * p.samples) / total : null;
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
