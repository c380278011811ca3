/**
 * A remote host's protocol sample as stored (migrations 006, 016): the figures that have their own columns (protocol,
 * connected, usdPerHour, earnedUsd, earnedTokens; since 016 uptime, storageBytes, the allocation and the measured
 * cpuPercent, memoryBytes and bandwidthBytesPerSec; and the time when it is the snapshot's) are left out of the JSON,
 * so each row holds them once and the database can average them without parsing JSON. Rows written before carry them
 * in the JSON (and some in both places, with the same values): the JSON wins when it has a figure, so both decode alike.
 */
import type { ProtocolSample } from '../../domain/sample.js';

type Num = number | string | null;

export interface StoredSampleColumns {
  time: number | string;
  protocol: string;
  sample_json: string;
  connected: number | string;
  usd_per_hour: number | string;
  earned_usd: number | string;
  earned_tokens: number | string;
  uptime: Num;
  storage_bytes: Num;
  alloc_cpu: Num;
  alloc_memory: Num;
  alloc_bandwidth: Num;
  alloc_storage: Num;
  cpu_percent: Num;
  memory_bytes: Num;
  bandwidth_bps: Num;
}

/** The figure columns of a sample (016). */
export function figureColumns(p: ProtocolSample) {
  return {
    uptime: p.uptime,
    storage_bytes: p.storageBytes,
    alloc_cpu: p.allocation.cpu,
    alloc_memory: p.allocation.memory,
    alloc_bandwidth: p.allocation.bandwidth,
    alloc_storage: p.allocation.storage,
    cpu_percent: p.cpuPercent,
    memory_bytes: p.memoryBytes,
    bandwidth_bps: p.bandwidthBytesPerSec,
  };
}

export function encodeSample(p: ProtocolSample, snapshotTime: number): string {
  const {
    protocol: _protocol,
    connected: _connected,
    usdPerHour: _usd,
    earnedUsd: _earned,
    earnedTokens: _tokens,
    uptime: _uptime,
    storageBytes: _storage,
    allocation: _allocation,
    cpuPercent: _cpu,
    memoryBytes: _memory,
    bandwidthBytesPerSec: _bandwidth,
    time,
    ...rest
  } = p;
  return JSON.stringify(time === snapshotTime ? rest : { ...rest, time });
}

const num = (v: Num) => Number(v ?? 0);
const numOrNull = (v: Num) => (v == null ? null : Number(v));

export function decodeSample(r: StoredSampleColumns): ProtocolSample {
  const stored = JSON.parse(r.sample_json) as Partial<ProtocolSample>;
  return {
    uptime: num(r.uptime),
    storageBytes: num(r.storage_bytes),
    allocation: { cpu: num(r.alloc_cpu), memory: num(r.alloc_memory), bandwidth: num(r.alloc_bandwidth), storage: num(r.alloc_storage) },
    cpuPercent: numOrNull(r.cpu_percent),
    memoryBytes: numOrNull(r.memory_bytes),
    bandwidthBytesPerSec: numOrNull(r.bandwidth_bps),
    ...stored,
    protocol: r.protocol,
    time: stored.time ?? Number(r.time),
    connected: Number(r.connected) === 1,
    usdPerHour: Number(r.usd_per_hour),
    earnedUsd: Number(r.earned_usd),
    earnedTokens: Number(r.earned_tokens),
  } as ProtocolSample;
}

/** The columns `decodeSample` reads. */
export const SAMPLE_COLUMNS = [
  'time', 'protocol', 'sample_json', 'connected', 'usd_per_hour', 'earned_usd', 'earned_tokens', 'uptime', 'storage_bytes', 'alloc_cpu',
  'alloc_memory', 'alloc_bandwidth', 'alloc_storage', 'cpu_percent', 'memory_bytes', 'bandwidth_bps',
] as const;

/**
 * SQL for one figure of a stored sample: its column, or for a row written before 016 (NULL `uptime`: every sample has
 * one) the value in its JSON. `json` turns a path into the dialect's JSON read. Names are fixed, never input.
 */
export function figureSql(column: string, jsonRead: string): string {
  return `(case when uptime is null then ${jsonRead} else ${column} end)`;
}
