import { type Static, Type } from '@sinclair/typebox';
import { type ProtocolType, RESOURCES, type Resource, type ResourceShares } from './resources.js';

/**
 * What a protocol consumes and is paid for, how it reports, the least it can work with and what a change costs.
 * Facts per type come from shared/protocols.md; the operator overrides any of them per protocol (`profile:` in the
 * protocol's config), and an `http-json` protocol declares its own. The optimizer starts from the profile.
 */
export const PROFILE_KINDS = ['storage', 'compute', 'bandwidth', 'generic'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

const ResourceList = Type.Array(Type.Union(RESOURCES.map((r) => Type.Literal(r))), { uniqueItems: true, maxItems: 4 });
const Percent = Type.Number({ minimum: 0, maximum: 100 });

export const ProfileOverrideSchema = Type.Object(
  {
    kind: Type.Optional(
      Type.Union(PROFILE_KINDS.map((k) => Type.Literal(k)), {
        description: 'storage (paid on data stored), compute (tasks in slots), bandwidth (capped by demand) or generic.',
      }),
    ),
    paidOn: Type.Optional({ ...ResourceList, description: 'Resources the node is paid for using.' }),
    minShare: Type.Optional(
      Type.Object(
        { cpu: Type.Optional(Percent), memory: Type.Optional(Percent), bandwidth: Type.Optional(Percent), storage: Type.Optional(Percent) },
        { additionalProperties: false, description: 'Least useful share per resource, percent of the host: below it the node earns nothing.' },
      ),
    ),
    slot: Type.Optional(
      Type.Object(
        {
          cores: Type.Number({ exclusiveMinimum: 0, maximum: 1024 }),
          memoryGiB: Type.Number({ exclusiveMinimum: 0, maximum: 65536 }),
        },
        {
          additionalProperties: false,
          description:
            'compute: what one task slot needs; one slot is the least useful share, and where earnings follow whole slots the optimizer plans, ties and probes cpu and memory a slot at a time.',
        },
      ),
    ),
    cadenceMinutes: Type.Optional(
      Type.Number({ minimum: 1, maximum: 10_080, description: 'How often the node updates what it reports as earned.' }),
    ),
    lagMinutes: Type.Optional(Type.Number({ minimum: 0, maximum: 10_080, description: 'How late earnings show up in what it reports.' })),
    restartMinutes: Type.Optional(Type.Number({ minimum: 0, maximum: 1440, description: 'Downtime of a change that restarts it.' })),
    collateralUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9, description: 'Held amount or stake forfeited if data is lost.' })),
    allowDataDeletion: Type.Optional(
      Type.Boolean({ description: 'storage: let the optimizer set the allocation below the data stored (deletes data). Default false.' }),
    ),
  },
  { additionalProperties: false, description: "Overrides of the protocol type's profile (what it is paid for, its reporting lag, ...)." },
);
export type ProfileOverride = Static<typeof ProfileOverrideSchema>;

export interface ProtocolProfile {
  kind: ProfileKind;
  paidOn: Resource[];
  /** Least useful share per resource (percent of the host), slots already converted. */
  minShare: ResourceShares;
  slot: { cores: number; memoryGiB: number } | null;
  /** One task slot as shares of this host (percent of its cores and memory); set when the slot and host are known. */
  slotShare?: { cpu: number; memory: number };
  cadenceMinutes: number;
  lagMinutes: number;
  restartMinutes: number;
  /** Whether cutting storage below the data stored deletes data (storage nodes). */
  deletesDataWhenCut: boolean;
  collateralUsd: number;
  allowDataDeletion: boolean;
}

const HOUR = 60;
const base = (p: Partial<ProtocolProfile> & Pick<ProtocolProfile, 'kind' | 'paidOn'>): ProtocolProfile => ({
  minShare: { cpu: 0, memory: 0, bandwidth: 0, storage: 0 },
  slot: null,
  cadenceMinutes: HOUR,
  lagMinutes: HOUR,
  restartMinutes: 0,
  deletesDataWhenCut: false,
  collateralUsd: 0,
  allowDataDeletion: false,
  ...p,
});

/**
 * Per type (shared/protocols.md): Storj is paid on data stored and egress, its storage tallies sync every 12 h and
 * a change re-creates the container; Golem runs tasks in slots of cores and memory and is paid on invoices hours
 * later; Mysterium and the bandwidth apps share bandwidth capped by demand, reported hourly; Grass settles points per
 * epoch (a day); Streamr's earnings accrue on-chain, read a few times a day.
 */
export const DEFAULT_PROFILES: Record<ProtocolType, ProtocolProfile> = {
  storj: base({
    kind: 'storage',
    paidOn: ['storage', 'bandwidth'],
    minShare: { cpu: 1, memory: 1, bandwidth: 1, storage: 0 },
    cadenceMinutes: HOUR,
    lagMinutes: 12 * HOUR,
    restartMinutes: 10,
    deletesDataWhenCut: true,
  }),
  golem: base({
    kind: 'compute',
    paidOn: ['cpu', 'memory'],
    // Tasks are fetched and their results sent over the network: without any bandwidth none runs.
    minShare: { cpu: 0, memory: 0, bandwidth: 1, storage: 0 },
    slot: { cores: 1, memoryGiB: 2 },
    lagMinutes: 6 * HOUR,
    restartMinutes: 5,
  }),
  mysterium: base({ kind: 'bandwidth', paidOn: ['bandwidth'], minShare: { cpu: 1, memory: 1, bandwidth: 1, storage: 0 } }),
  streamr: base({
    kind: 'generic',
    paidOn: ['cpu', 'memory', 'bandwidth'],
    slot: { cores: 0.5, memoryGiB: 2 },
    cadenceMinutes: 6 * HOUR,
    lagMinutes: 12 * HOUR,
  }),
  grass: base({ kind: 'bandwidth', paidOn: ['bandwidth'], minShare: { cpu: 1, memory: 1, bandwidth: 1, storage: 0 }, cadenceMinutes: 24 * HOUR, lagMinutes: 24 * HOUR }),
  'http-json': base({ kind: 'bandwidth', paidOn: ['bandwidth'], minShare: { cpu: 1, memory: 1, bandwidth: 1, storage: 0 } }),
};

const GiB = 2 ** 30;

/** The type's profile with the operator's overrides; a slot becomes a minimum share through the host's totals. */
export function resolveProfile(
  type: ProtocolType,
  override: ProfileOverride | undefined,
  host: { cpuCount: number; memoryTotalBytes: number } | null,
): ProtocolProfile {
  const d = DEFAULT_PROFILES[type];
  const o = override ?? {};
  const p: ProtocolProfile = {
    ...d,
    ...Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'minShare')),
    minShare: { ...d.minShare, ...Object.fromEntries(Object.entries(o.minShare ?? {}).filter(([, v]) => v !== undefined)) },
    paidOn: [...(o.paidOn ?? d.paidOn)],
    slot: o.slot ?? d.slot,
  } as ProtocolProfile;
  if (o.kind === 'storage' || (o.kind === undefined && d.kind === 'storage')) p.deletesDataWhenCut = true;
  if (p.slot && host && host.cpuCount > 0 && host.memoryTotalBytes > 0) {
    p.slotShare = { cpu: Math.min(100, (100 * p.slot.cores) / host.cpuCount), memory: Math.min(100, (100 * p.slot.memoryGiB * GiB) / host.memoryTotalBytes) };
    p.minShare.cpu = Math.max(p.minShare.cpu, Math.min(100, (100 * p.slot.cores) / host.cpuCount));
    p.minShare.memory = Math.max(p.minShare.memory, Math.min(100, (100 * p.slot.memoryGiB * GiB) / host.memoryTotalBytes));
  }
  return p;
}

/**
 * Whether moving a protocol's shares from `from` to `to` can change what it earns: a resource it is paid for moves,
 * or a share goes (or was) below its least useful level. Moving anything else (a bandwidth sharer's disk, the CPU a
 * storage node holds well above its minimum) has no effect to read or to learn. Without a profile, any move counts.
 */
export function movesEarnings(profile: ProtocolProfile | undefined, from: ResourceShares, to: ResourceShares): boolean {
  const eps = 1e-6;
  return RESOURCES.some(
    (r) => Math.abs(from[r] - to[r]) > eps && (!profile || profile.paidOn.includes(r) || Math.min(from[r], to[r]) < profile.minShare[r] - eps),
  );
}

/** The resources a protocol is paid for (all of them without a profile). */
export function earningResources(profile: ProtocolProfile | undefined): Resource[] {
  return profile ? RESOURCES.filter((r) => profile.paidOn.includes(r)) : [...RESOURCES];
}

/** Whether the storage rule governs this protocol's storage share (paid on storage, data deletion not allowed). */
export function storageRuled(profile: ProtocolProfile | undefined): boolean {
  return profile !== undefined && (profile.kind === 'storage' || profile.paidOn.includes('storage')) && !profile.allowDataDeletion;
}
