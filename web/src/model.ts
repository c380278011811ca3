/**
 * The shapes the dashboard reads, mirroring the server's domain schemas (src/domain). The normalizers accept
 * both epoch-ms and ISO 8601 times and the common envelopes (`{items}`, `{data}`), so a view never crashes on
 * a field it does not know; unknown fields are ignored.
 */
import type { Allocation, Resource, ResourceShares } from '../../src/domain/resources';
import { num, toMs } from './format';

export const RESOURCES = ['cpu', 'memory', 'bandwidth', 'storage'] as const satisfies readonly Resource[];
export type { Allocation, Resource };
export type Shares = ResourceShares;

export interface ProtocolPoint {
  protocol: string;
  connected: boolean;
  error?: string;
  usdPerHour: number;
  uptime: number | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
  bandwidthBytesPerSec: number | null;
  /** Block reads + writes, bytes/s. */
  blockIoBytesPerSec: number | null;
  /** CPU, memory, network and block I/O were read from the protocol's container; otherwise they are not measured. */
  resourcesMeasured: boolean;
  storageBytes: number | null;
  allocation: Shares | null;
}

export interface Host {
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  bandwidthBytesPerSec: number | null;
  bandwidthCapacityBytesPerSec: number | null;
  storageUsedBytes: number | null;
  storageTotalBytes: number | null;
}

export interface Snapshot {
  time: number;
  totalUsdPerHour: number;
  host: Host | null;
  protocols: ProtocolPoint[];
}

/** Host use of each resource as a percent of its capacity; null when a figure is missing. */
export type ResourcePercents = Record<Resource, number | null>;

export interface ResourcePoint {
  time: number;
  percents: ResourcePercents;
}

export interface Alert {
  id: string;
  type: string;
  severity: string;
  status: string;
  protocol: string | null;
  message: string;
  createdAt: number;
}

export interface Opportunity {
  resource: string;
  from: string;
  to: string;
  sharePercent: number;
  gainUsdPerHour: number;
  confidence: number;
  paybackHours: number | null;
}

export interface Reallocation {
  id: string;
  status: string;
  reason: string | null;
  trigger: string;
  dryRun: boolean;
  exploration: boolean;
  projectedImprovementUsdPerHour: number | null;
  confidence: number | null;
  measuredBeforeUsdPerHour: number | null;
  measuredAfterUsdPerHour: number | null;
  createdAt: number;
}

export interface AllocationView {
  current: Allocation;
  optimal: Allocation | null;
  improvementUsdPerHour: number | null;
  improvementPercent: number | null;
  confidence: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v == null ? fallback : String(v));

/** The list inside a response: the array itself, or the first array under a usual envelope key. */
export function listOf(raw: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (!isObj(raw)) return [];
  for (const key of [...keys, 'items', 'data', 'results']) {
    const v = raw[key];
    if (Array.isArray(v)) return v;
    if (isObj(v)) {
      const inner = listOf(v, ...keys);
      if (inner.length) return inner;
    }
  }
  return [];
}

function shares(raw: unknown): Shares | null {
  if (!isObj(raw)) return null;
  const out = {} as Shares;
  for (const r of RESOURCES) out[r] = num(raw[r]) ?? 0;
  return out;
}

export function toAllocation(raw: unknown): Allocation | null {
  if (!isObj(raw)) return null;
  // Either { protocol: shares } or a list of { protocol, cpu, ... } / { protocol, shares }.
  const list = listOf(raw, 'protocols', 'allocation');
  const out: Allocation = {};
  if (list.length) {
    for (const row of list) {
      if (!isObj(row)) continue;
      const s = shares(row.shares ?? row.allocation ?? row);
      if (s) out[str(row.protocol ?? row.name)] = s;
    }
    return out;
  }
  for (const [protocol, value] of Object.entries(raw)) {
    const s = shares(value);
    if (s) out[protocol] = s;
  }
  return out;
}

function protocolPoint(raw: unknown): ProtocolPoint | null {
  if (!isObj(raw)) return null;
  const protocol = str(raw.protocol ?? raw.name);
  if (!protocol) return null;
  return {
    protocol,
    connected: raw.connected !== false,
    error: typeof raw.error === 'string' ? raw.error : undefined,
    usdPerHour: num(raw.usdPerHour) ?? num(raw.earningsUsdPerHour) ?? 0,
    uptime: num(raw.uptime),
    cpuPercent: num(raw.cpuPercent),
    memoryBytes: num(raw.memoryBytes),
    bandwidthBytesPerSec: num(raw.bandwidthBytesPerSec),
    blockIoBytesPerSec: num(raw.blockIoBytesPerSec),
    resourcesMeasured: raw.resourcesMeasured === true,
    storageBytes: num(raw.storageBytes),
    allocation: shares(raw.allocation),
  };
}

/** A snapshot from `GET metrics`, a `metrics` WebSocket message or the dashboard document; null if none yet. */
export function toSnapshot(raw: unknown): Snapshot | null {
  if (!isObj(raw)) return null;
  const inner = raw.snapshot ?? raw.latest ?? raw.metrics;
  if (isObj(inner) && !Array.isArray(raw.protocols)) return toSnapshot(inner);
  if (!Array.isArray(raw.protocols)) return null;
  const time = toMs(raw.time ?? raw.timestamp);
  if (!Number.isFinite(time)) return null;
  const protocols = raw.protocols.map(protocolPoint).filter((p): p is ProtocolPoint => p !== null);
  const host = isObj(raw.host)
    ? {
        cpuPercent: num(raw.host.cpuPercent),
        memoryUsedBytes: num(raw.host.memoryUsedBytes),
        memoryTotalBytes: num(raw.host.memoryTotalBytes),
        bandwidthBytesPerSec: num(raw.host.bandwidthBytesPerSec),
        bandwidthCapacityBytesPerSec: num(raw.host.bandwidthCapacityBytesPerSec),
        storageUsedBytes: num(raw.host.storageUsedBytes),
        storageTotalBytes: num(raw.host.storageTotalBytes),
      }
    : null;
  const total = num(raw.totalUsdPerHour) ?? protocols.reduce((sum, p) => sum + p.usdPerHour, 0);
  return { time, totalUsdPerHour: total, host, protocols };
}

/**
 * History points as (time, protocol, usdPerHour), from either a list of snapshots, a list of per-protocol rows,
 * or `{ series: { protocol: [points] } }`.
 */
export function toHistory(raw: unknown): { time: number; protocol: string; usdPerHour: number | null }[] {
  const out: { time: number; protocol: string; usdPerHour: number | null }[] = [];
  const series = isObj(raw) ? raw.series : undefined;
  if (isObj(series)) {
    for (const [protocol, points] of Object.entries(series)) {
      for (const p of listOf(points)) {
        if (!isObj(p)) continue;
        const time = toMs(p.time ?? p.bucket);
        const usdPerHour = num(p.usdPerHour) ?? num(p.earningsUsdPerHour);
        if (Number.isFinite(time) && usdPerHour !== null) out.push({ time, protocol, usdPerHour });
      }
    }
    return out;
  }
  for (const row of listOf(raw, 'protocols', 'history', 'snapshots')) {
    const snap = toSnapshot(row);
    if (snap) {
      for (const p of snap.protocols) out.push({ time: snap.time, protocol: p.protocol, usdPerHour: p.connected ? p.usdPerHour : null });
      continue;
    }
    if (!isObj(row)) continue;
    const time = toMs(row.time ?? row.bucket);
    const usdPerHour = num(row.usdPerHour) ?? num(row.earningsUsdPerHour);
    const protocol = str(row.protocol);
    // `connected` is the share of connected samples in the bucket: none connected is a gap, not $0.
    const offline = row.connected === false || row.connected === 0;
    if (protocol && Number.isFinite(time) && usdPerHour !== null) out.push({ time, protocol, usdPerHour: offline ? null : usdPerHour });
  }
  return out;
}

const ratio = (used: number | null, total: number | null) => (used !== null && total ? (used / total) * 100 : null);

export function hostPercents(host: Host): ResourcePercents {
  return {
    cpu: host.cpuPercent,
    memory: ratio(host.memoryUsedBytes, host.memoryTotalBytes),
    bandwidth: ratio(host.bandwidthBytesPerSec, host.bandwidthCapacityBytesPerSec),
    storage: ratio(host.storageUsedBytes, host.storageTotalBytes),
  };
}

/**
 * Host resource use over time from `GET metrics/history`: its snapshot-level `points` (`cpuPercent`,
 * `memoryPercent`, ...), or a list of whole snapshots whose host totals give the percentages.
 */
export function toResourceHistory(raw: unknown): ResourcePoint[] {
  const out: ResourcePoint[] = [];
  for (const row of listOf(raw, 'points', 'snapshots', 'history')) {
    const snap = toSnapshot(row);
    if (snap) {
      if (snap.host) out.push({ time: snap.time, percents: hostPercents(snap.host) });
      continue;
    }
    if (!isObj(row)) continue;
    const time = toMs(row.time ?? row.bucket);
    if (!Number.isFinite(time)) continue;
    out.push({
      time,
      percents: {
        cpu: num(row.cpuPercent),
        memory: num(row.memoryPercent),
        bandwidth: num(row.bandwidthPercent),
        storage: num(row.storagePercent),
      },
    });
  }
  return out;
}

export function toAlert(raw: unknown): Alert | null {
  if (!isObj(raw) || raw.id == null) return null;
  return {
    id: str(raw.id),
    type: str(raw.type),
    severity: str(raw.severity, 'info'),
    status: str(raw.status, 'open'),
    protocol: raw.protocol == null ? null : str(raw.protocol),
    message: str(raw.message),
    createdAt: toMs(raw.createdAt),
  };
}

export function toOpportunity(raw: unknown): Opportunity | null {
  if (!isObj(raw)) return null;
  return {
    resource: str(raw.resource),
    from: str(raw.from),
    to: str(raw.to),
    sharePercent: num(raw.sharePercent) ?? 0,
    gainUsdPerHour: num(raw.gainUsdPerHour) ?? 0,
    confidence: num(raw.confidence) ?? 0,
    paybackHours: num(raw.paybackHours),
  };
}

export function toReallocation(raw: unknown): Reallocation | null {
  if (!isObj(raw) || raw.id == null) return null;
  return {
    id: str(raw.id),
    status: str(raw.status),
    reason: raw.reason == null ? null : str(raw.reason),
    trigger: str(raw.trigger),
    dryRun: raw.dryRun === true,
    exploration: raw.exploration === true,
    projectedImprovementUsdPerHour: num(raw.projectedImprovementUsdPerHour),
    confidence: num(raw.confidence),
    measuredBeforeUsdPerHour: num(raw.measuredBeforeUsdPerHour),
    measuredAfterUsdPerHour: num(raw.measuredAfterUsdPerHour),
    createdAt: toMs(raw.createdAt),
  };
}

/** `GET allocation`: current and optimal side by side (the optimal part may be a plan with `target`). */
export function toAllocationView(raw: unknown): AllocationView {
  const o = isObj(raw) ? raw : {};
  const plan = isObj(o.plan) ? o.plan : isObj(o.optimal) && isObj(o.optimal.target) ? o.optimal : o;
  const optimalRaw = isObj(o.optimal) && !isObj(o.optimal.target) ? o.optimal : plan.target;
  return {
    current: toAllocation(o.current) ?? {},
    optimal: toAllocation(optimalRaw),
    improvementUsdPerHour: num(plan.improvementUsdPerHour) ?? num(o.improvementUsdPerHour),
    improvementPercent: num(plan.improvementPercent) ?? num(o.improvementPercent),
    confidence: num(plan.confidence) ?? num(o.confidence),
  };
}

export function compact<T>(items: (T | null)[]): T[] {
  return items.filter((x): x is T => x !== null);
}
