/**
 * What the overview's views hold: the server's own shapes (src/domain and src/http/schemas, imported type-only
 * through server-types.ts) with their times back in epoch ms, plus the few shapes only a view needs, derived from
 * those. An answer becomes a view value through `fromWire`, the inverse of the API's `toApi`; nothing here guesses
 * at a response shape, so a change on the server fails the dashboard's type check.
 */
import type {
  Allocation,
  DomainAlert,
  DomainAllocationView,
  DomainHistory,
  DomainPayouts,
  DomainReallocation,
  HostResources,
  Opportunity,
  Resource,
  ResourceShares,
  Snapshot,
  TimeKey,
  Wire,
} from './server-types';

export const RESOURCES = ['cpu', 'memory', 'bandwidth', 'storage'] as const satisfies readonly Resource[];
export type { Allocation, Opportunity, Resource, Snapshot };
export type Shares = ResourceShares;
export type Alert = DomainAlert;
export type Reallocation = DomainReallocation;
export type AllocationView = DomainAllocationView;
export type History = DomainHistory;
/** `GET payouts`: payouts with amounts, newest first, and the held amounts. */
export type Payouts = DomainPayouts;
/** One protocol's sample in a snapshot. */
export type ProtocolPoint = Snapshot['protocols'][number];
export type Host = HostResources;

/** Every field the API writes as ISO 8601 (`TimeKey`); the compiler refuses a missing or an unknown one. */
const TIME_FIELDS: Record<TimeKey, true> = {
  time: true,
  createdAt: true,
  updatedAt: true,
  acknowledgedAt: true,
  resolvedAt: true,
  startedAt: true,
  finishedAt: true,
  appliedAt: true,
  lastPollAt: true,
  lastTickAt: true,
  lastSuccessAt: true,
  lastReadingAt: true,
  nodeHealthAt: true,
  generatedAt: true,
  sentAt: true,
  from: true,
  to: true,
};
/** What `toApi` writes for an epoch-ms time (`Date.prototype.toISOString`). */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function fromWireValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWireValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = Object.hasOwn(TIME_FIELDS, k) && typeof v === 'string' && ISO.test(v) ? Date.parse(v) : fromWireValue(v);
    }
    return out;
  }
  return value;
}

/** The server's value from its answer: time fields (by name) from ISO 8601 back to epoch ms, like the domain holds them. */
export function fromWire<T>(wire: Wire<T>): T {
  return fromWireValue(wire) as T;
}

/** A point of the earnings chart: USD/h of one protocol at a time; null draws a gap (the node was disconnected). */
export interface EarningsPoint {
  time: number;
  protocol: string;
  usdPerHour: number | null;
}

/** Host use of each resource as a percent of its capacity; null when the capacity is unknown. */
export type ResourcePercents = Record<Resource, number | null>;

export interface ResourcePoint {
  time: number;
  percents: ResourcePercents;
}

/**
 * The allocation card's summary: the plan's projected gain, none until the optimizer has planned. `netOfPower`: with
 * energy accounting the gain is net of the power the shares cost.
 */
export function planGain(view: AllocationView): { usdPerHour: number; percent: number; confidence: number; netOfPower: boolean } | null {
  const p = view.plan;
  return p
    ? { usdPerHour: p.improvementUsdPerHour, percent: p.improvementPercent, confidence: p.confidence, netOfPower: p.powerCostUsdPerHour !== undefined }
    : null;
}

/** The earnings chart's points from `GET metrics/history`: a bucket with no connected sample is a gap, not $0. */
export function earningsPoints(history: History): EarningsPoint[] {
  return history.protocols.map((row) => ({ time: row.time, protocol: row.protocol, usdPerHour: row.connected > 0 ? row.usdPerHour : null }));
}

/** The points of a snapshot for the earnings chart (a disconnected node is a gap). */
export function snapshotEarnings(snapshot: Snapshot): EarningsPoint[] {
  return snapshot.protocols.map((p) => ({ time: snapshot.time, protocol: p.protocol, usdPerHour: p.connected ? p.usdPerHour : null }));
}

const ratio = (used: number, total: number) => (total > 0 ? (used / total) * 100 : null);

export function hostPercents(host: Host): ResourcePercents {
  return {
    cpu: host.cpuPercent,
    memory: ratio(host.memoryUsedBytes, host.memoryTotalBytes),
    bandwidth: ratio(host.bandwidthBytesPerSec, host.bandwidthCapacityBytesPerSec),
    storage: ratio(host.storageUsedBytes, host.storageTotalBytes),
  };
}

/** Host resource use over time from `GET metrics/history` (its snapshot-level points). */
export function resourcePoints(history: History): ResourcePoint[] {
  return history.points.map((p) => ({
    time: p.time,
    percents: { cpu: p.cpuPercent, memory: p.memoryPercent, bandwidth: p.bandwidthPercent, storage: p.storagePercent },
  }));
}
