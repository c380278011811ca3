import { Type, type Static } from '@sinclair/typebox';

/** The four host resources orcha allocates between protocols. */
export const RESOURCES = ['cpu', 'memory', 'bandwidth', 'storage'] as const;
export type Resource = (typeof RESOURCES)[number];
export const ResourceSchema = Type.Union(RESOURCES.map((r) => Type.Literal(r)));

export const PROTOCOL_TYPES = ['storj', 'golem', 'mysterium', 'streamr', 'grass', 'http-json'] as const;
export type ProtocolType = (typeof PROTOCOL_TYPES)[number];
export const ProtocolTypeSchema = Type.Union(PROTOCOL_TYPES.map((t) => Type.Literal(t)));

/** Share of each resource, in percent of the host (0..100). */
export const ResourceSharesSchema = Type.Object({
  cpu: Type.Number({ minimum: 0, maximum: 100 }),
  memory: Type.Number({ minimum: 0, maximum: 100 }),
  bandwidth: Type.Number({ minimum: 0, maximum: 100 }),
  storage: Type.Number({ minimum: 0, maximum: 100 }),
});
export type ResourceShares = Static<typeof ResourceSharesSchema>;

/** protocol name -> shares. Per resource, the shares plus the host reserve never exceed 100. */
export const AllocationSchema = Type.Record(Type.String(), ResourceSharesSchema);
export type Allocation = Static<typeof AllocationSchema>;

export function zeroShares(): ResourceShares {
  return { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
}

/**
 * How fast a resource's effect on earnings shows (SPEC §3): compute within minutes, bandwidth within hours,
 * storage over weeks. Used by the optimizer, the simulators and the decision rules.
 */
export const RESOURCE_TIME_CONSTANT_MS: Record<Resource, number> = {
  cpu: 5 * 60_000,
  memory: 5 * 60_000,
  bandwidth: 2 * 3_600_000,
  storage: 14 * 24 * 3_600_000,
};
