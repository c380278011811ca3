/**
 * Who uses the power. The host's draw is idle power plus power above idle; power above idle goes to protocols by
 * their share of the load (CPU, network and disk, weighted), idle power by the configured rule. Pure functions.
 */
import type { Snapshot } from '../domain/sample.js';
import type { EnergyConfig } from './schema.js';

export type AttributionBasis = 'measured' | 'mixed' | 'allocation';

export interface ProtocolPower {
  protocol: string;
  /** Share of power above idle, 0..1. */
  loadShare: number;
  /** Idle watts charged to this protocol. */
  idleWatts: number;
  /** Watts above idle charged to this protocol (including its dedicated meters and declared hardware). */
  activeWatts: number;
  /** The shared host's watts above idle charged to this protocol through each kind of load (they sum to that part). */
  kindWatts: Record<Kind, number>;
  watts: number;
}

export interface Attribution {
  /** What the load shares were computed from: measured use, or allocation shares while there is no measured use. */
  basis: AttributionBasis;
  /** Host draw split between protocols and host overhead (watts). */
  hostWatts: number;
  idleWatts: number;
  /** Idle watts not charged to any protocol (rule `host`, or no protocol). */
  overheadWatts: number;
  protocols: ProtocolPower[];
}

export interface AttributionInput {
  snapshot: Snapshot;
  /** Draw of the shared host (meters without a protocol, or the estimate). */
  hostWatts: number;
  /** Watts from meters dedicated to one protocol, and declared per-protocol hardware. */
  dedicatedWatts: Record<string, number>;
  config: EnergyConfig;
}

type Weights = EnergyConfig['attribution']['weights'];

export type Kind = 'cpu' | 'network' | 'disk';
const KINDS: Kind[] = ['cpu', 'network', 'disk'];
type Row = { protocol: string } & Record<Kind, number>;

/** Each protocol's part of one kind of load (its figure over the total), or null when nobody has any. */
function partsOf(rows: Row[], kind: Kind): Map<string, number> | null {
  const total = rows.reduce((s, r) => s + r[kind], 0);
  return total > 0 ? new Map(rows.map((r) => [r.protocol, r[kind] / total])) : null;
}

/** Per protocol, its load share through each kind (each kind normalized to its total, then weighted). */
function kindSharesFrom(rows: Row[], weights: Weights): Map<string, Record<Kind, number>> | null {
  const kinds = KINDS.filter((k) => weights[k] > 0 && partsOf(rows, k));
  const weightSum = kinds.reduce((s, k) => s + weights[k], 0);
  if (weightSum <= 0) return null;
  const out = new Map<string, Record<Kind, number>>(rows.map((r) => [r.protocol, { cpu: 0, network: 0, disk: 0 }]));
  for (const k of kinds) for (const [p, part] of partsOf(rows, k)!) out.get(p)![k] = (weights[k] / weightSum) * part;
  return out;
}

/** Load share per protocol from per-protocol figures (the sum of its kinds' shares). */
function sharesFrom(rows: Row[], weights: Weights): Map<string, number> | null {
  const byKind = kindSharesFrom(rows, weights);
  return byKind && new Map([...byKind].map(([p, k]) => [p, k.cpu + k.network + k.disk]));
}

/**
 * Split the host's draw. Per kind of load (CPU, network, disk) the protocols' measured use decides when any protocol
 * reports some, their allocation shares otherwise; the basis says which ("mixed": some kinds measured).
 */
export function attributePower(input: AttributionInput): Attribution {
  const { snapshot, config } = input;
  const weights = config.attribution.weights;
  const samples = snapshot.protocols;
  const measuredRows: Row[] = samples.map((s) =>
    s.connected
      ? { protocol: s.protocol, cpu: s.cpuPercent ?? 0, network: s.bandwidthBytesPerSec ?? 0, disk: s.storageBytes }
      : { protocol: s.protocol, cpu: 0, network: 0, disk: 0 },
  );
  const allocationRows: Row[] = samples.map((s) => ({ protocol: s.protocol, cpu: s.allocation.cpu, network: s.allocation.bandwidth, disk: s.allocation.storage }));
  const used = KINDS.filter((k) => weights[k] > 0);
  // A kind counts as measured only when every connected protocol measured it: a protocol without a container
  // (null) would otherwise be charged nothing while the measured ones pay for its load.
  const unmeasured: Record<Kind, (s: (typeof samples)[number]) => boolean> = {
    cpu: (s) => s.cpuPercent === null || s.cpuPercent === undefined,
    network: (s) => s.bandwidthBytesPerSec === null || s.bandwidthBytesPerSec === undefined,
    disk: () => false,
  };
  const measuredKinds = used.filter((k) => partsOf(measuredRows, k) && !samples.some((s) => s.connected && unmeasured[k](s)));
  // Per kind, measured parts where there are some, allocation parts otherwise.
  const rows: Row[] = samples.map((s, i) => {
    const row: Row = { protocol: s.protocol, cpu: 0, network: 0, disk: 0 };
    for (const k of KINDS) {
      const source = measuredKinds.includes(k) ? measuredRows : allocationRows;
      row[k] = partsOf(source, k)?.get(source[i]!.protocol) ?? 0;
    }
    return row;
  });
  const basis: AttributionBasis = measuredKinds.length === 0 ? 'allocation' : measuredKinds.length === used.length ? 'measured' : 'mixed';
  const kindShares = kindSharesFrom(rows, weights) ?? new Map<string, Record<Kind, number>>();
  const loadShares = new Map([...kindShares].map(([p, k]) => [p, k.cpu + k.network + k.disk]));

  const hostWatts = Math.max(0, input.hostWatts);
  const idleWatts = Math.min(hostWatts, config.estimate.idleWatts);
  const aboveIdle = hostWatts - idleWatts;
  const rule = config.attribution.idle;
  const idleShares = new Map<string, number>();
  if (samples.length > 0 && rule !== 'host') {
    if (rule === 'equal') for (const s of samples) idleShares.set(s.protocol, 1 / samples.length);
    else if (rule === 'load') for (const [p, share] of loadShares) idleShares.set(p, share);
    else {
      const alloc = sharesFrom(
        samples.map((s) => ({ protocol: s.protocol, cpu: s.allocation.cpu, network: s.allocation.bandwidth, disk: s.allocation.storage })),
        { cpu: 1, network: 1, disk: 1 },
      );
      for (const s of samples) idleShares.set(s.protocol, alloc?.get(s.protocol) ?? 1 / samples.length);
    }
  }
  // Shares that do not sum to one (no load at all) leave the rest as host overhead rather than invent a split.
  const protocols: ProtocolPower[] = samples.map((s) => {
    const loadShare = loadShares.get(s.protocol) ?? 0;
    const idle = idleWatts * (idleShares.get(s.protocol) ?? 0);
    const active = aboveIdle * loadShare + (input.dedicatedWatts[s.protocol] ?? 0);
    const k = kindShares.get(s.protocol) ?? { cpu: 0, network: 0, disk: 0 };
    const kindWatts = { cpu: aboveIdle * k.cpu, network: aboveIdle * k.network, disk: aboveIdle * k.disk };
    return { protocol: s.protocol, loadShare, idleWatts: idle, activeWatts: active, kindWatts, watts: idle + active };
  });
  const charged = protocols.reduce((s, p) => s + p.idleWatts + (p.activeWatts - (input.dedicatedWatts[p.protocol] ?? 0)), 0);
  return { basis, hostWatts, idleWatts, overheadWatts: Math.max(0, hostWatts - charged), protocols };
}

/** Host draw from declared watts: idle + (max - idle) x CPU load. */
export function estimateHostWatts(snapshot: Snapshot, config: EnergyConfig): number {
  const { idleWatts, maxWatts } = config.estimate;
  const load = Math.min(1, Math.max(0, snapshot.host.cpuPercent / 100));
  return idleWatts + Math.max(0, maxWatts - idleWatts) * load;
}
