import type { ProtocolProfile } from '../../domain/profile.js';
import type { ResourceShares } from '../../domain/resources.js';
import type { ProtocolInput } from './types.js';

/**
 * A compute provider runs tasks in whole slots, each needing a core and its memory: what it earns is a function of
 * the number of slots its cpu and memory both hold, not of either share alone (memory beyond what its cores can use
 * earns nothing, nor does a fraction of a slot). A smooth curve per resource cannot say that, so for such a protocol
 * the optimizer also fits its response in slot space: on the cpu of the whole slots it held (memory then adds nothing
 * by itself). When that explains its earnings at least as well as its cpu and memory apart (response-model.ts), plans
 * tie its memory to its cpu, one slot's memory per slot's cpu, keep whole slots, and probe a slot at a time.
 */
export interface TaskSlot {
  cpu: number;
  memory: number;
}

/** The protocol's task slot as host shares, when its profile says it runs tasks in slots and the host is known. */
export function taskSlotOf(profile: ProtocolProfile | undefined): TaskSlot | null {
  const s = profile?.slotShare;
  if (profile?.kind !== 'compute' || !s || !(s.cpu > 0) || !(s.memory > 0)) return null;
  return s;
}

/** Whole slots that both shares hold. */
export function slotCount(shares: Pick<ResourceShares, 'cpu' | 'memory'>, slot: TaskSlot): number {
  return Math.max(0, Math.floor(Math.min(shares.cpu / slot.cpu, shares.memory / slot.memory) + 1e-6));
}

/** The shares as the slot-space model sees them: the cpu of the whole slots held, memory folded into it. */
export function toSlotSpace(shares: ResourceShares, slot: TaskSlot): ResourceShares {
  return { ...shares, cpu: slotCount(shares, slot) * slot.cpu, memory: 0 };
}

/** The protocol as the fit sees it in slot space: observations in slot space, paid on cpu instead of cpu and memory. */
export function slotView(protocol: ProtocolInput, slot: TaskSlot): ProtocolInput {
  const profile = protocol.profile ? { ...protocol.profile, paidOn: protocol.profile.paidOn.filter((r) => r !== 'memory') } : undefined;
  return {
    ...protocol,
    profile,
    observations: protocol.observations.map((o) => ({ ...o, shares: toSlotSpace(o.shares, slot) })),
  };
}
