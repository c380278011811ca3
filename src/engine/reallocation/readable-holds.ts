import type { Plan } from '../../domain/plan.js';
import { movesEarnings, type ProtocolProfile } from '../../domain/profile.js';
import type { Reallocation } from '../../domain/reallocation.js';
import type { ReallocationsRepository } from '../../store/types.js';
import type { OptimizerInput } from '../optimizer/types.js';
import { profilesOf } from './engine-helpers.js';

/**
 * Probes are spaced to each protocol's reporting lag: after a move of what a protocol earns, the next probe of it
 * waits until that move can be read. Only moves of what it earns count (its profile, see movesEarnings): a bandwidth
 * sharer handing over disk it is not paid for has no effect to read, and must not hold back probes for a day.
 */

/**
 * Per protocol whose earnings `plan` can move (its profile: a resource it is paid for, or one below its least share), how
 * long it must have held them before this probe: its reporting lag and cadence, settling, and a window to read the
 * effect in (a probe faster than the lag walks blind). A protocol that only gives up what it does not earn from has
 * no effect to read and waits for nothing but the minimum hold.
 */
export function readableHolds(input: OptimizerInput | null, plan: Plan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of input?.protocols ?? []) {
    const from = plan.current[p.name];
    const to = plan.target[p.name];
    if (!p.profile || !from || !to || !movesEarnings(p.profile, from, to)) continue;
    out[p.name] = readableHoldMs(p.profile);
  }
  return out;
}

export function readableHoldMs(profile: ProtocolProfile): number {
  const cadence = profile.cadenceMinutes * 60_000;
  return profile.lagMinutes * 60_000 + cadence + 2 * 3_600_000 + Math.max(2 * 3_600_000, cadence);
}

/** Per protocol, the last time an applied (not dry-run) step moved what it earns (see movesEarnings). */
export function lastEarningChange(applied: Reallocation[], profiles: Map<string, ProtocolProfile | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of applied) {
    if (r.status !== 'applied' || r.dryRun) continue;
    for (const s of r.steps) {
      if (s.status !== 'applied' || !movesEarnings(profiles.get(s.protocol), s.from, s.to)) continue;
      const at = s.appliedAt ?? r.finishedAt ?? r.createdAt;
      out[s.protocol] = Math.max(out[s.protocol] ?? -Infinity, at);
    }
  }
  return out;
}

/** Reads the journal for the holds: when each protocol last moved what it earns, and which are still held. */
export function createHoldReader(repo: ReallocationsRepository) {
  /**
   * Per protocol, the last change of what it earns, read from the applied reallocations within the longest hold; a
   * protocol whose last change of any kind falls before that window keeps it (it is older than any hold anyway).
   */
  async function earningChangesWithin(
    now: number,
    holdMs: Record<string, number>,
    lastChange: Record<string, number>,
    profiles: Map<string, ProtocolProfile | undefined>,
  ): Promise<Record<string, number>> {
    const longest = Math.max(0, ...Object.values(holdMs));
    const applied = await repo.list({ status: 'applied', since: now - longest, limit: 500 });
    const earning = lastEarningChange(applied, profiles);
    const out: Record<string, number> = {};
    for (const name of Object.keys(holdMs)) {
      const any = lastChange[name];
      // Within the window a change not found among earning changes touched only what the protocol does not earn from.
      out[name] = earning[name] ?? (any !== undefined && any < now - longest ? any : -Infinity);
    }
    return out;
  }

  /** Protocols still within the readable hold of their last move of what they earn. */
  async function heldForReading(input: OptimizerInput, now: number): Promise<string[]> {
    const holds: Record<string, number> = {};
    for (const p of input.protocols) if (p.profile) holds[p.name] = readableHoldMs(p.profile);
    if (Object.keys(holds).length === 0) return [];
    const last = await earningChangesWithin(now, holds, await repo.lastChangeByProtocol(), profilesOf(input));
    return Object.keys(holds).filter((n) => now - last[n] < holds[n]);
  }

  return { earningChangesWithin, heldForReading };
}
