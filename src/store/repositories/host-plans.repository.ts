/**
 * Plans the control plane made for remote hosts (migration 014), and each host's planning context as its agent last
 * reported it. A plan is written only under a live lease: the insert itself checks holder, fence and expiry, so a
 * replica that lost the host's lease (frozen, cut off) writes nothing even if it still believes it holds it.
 */
import { type Kysely, sql } from 'kysely';
import type { Plan } from '../../domain/plan.js';

export interface HostPlanOutcome {
  status: string;
  reason: string | null;
  reallocationId: string | null;
  reportedAt: number;
  /**
   * The host's average earnings (USD/h) before and after the reallocation, as its engine measured them (migration
   * 021); absent or null until its agent reports them, which it does once the after-window has passed.
   */
  measuredBeforeUsdPerHour?: number | null;
  measuredAfterUsdPerHour?: number | null;
}

/** An operator's explicit request a plan carries (migration 024): its agent applies it even in advisory mode. */
export interface HostPlanRequest {
  operationId: string;
  dryRun: boolean;
  requestedBy: string | null;
  requestedAt: number;
}

export interface HostPlanRecord {
  id: string;
  hostId: string;
  /** The fence of the lease it was made under: an agent refuses a plan under a lower fence than one it saw. */
  fence: number;
  createdAt: number;
  plan: Plan;
  outcome: HostPlanOutcome | null;
  /** The control-plane replica that stored it (null for plans stored before migration 017). */
  decidedBy: string | null;
  /** The operator's request this plan answers; absent for the control plane's own plans. */
  request?: HostPlanRequest | null;
}

export interface HostPlansRepository {
  setPlanning(hostId: string, planning: unknown): Promise<void>;
  planning(hostId: string): Promise<unknown | null>;
  /** Store a plan if `lease.holder` still holds `lease.name` under the plan's fence at `lease.now`; false otherwise. */
  insertFenced(plan: Omit<HostPlanRecord, 'outcome' | 'decidedBy'>, lease: { name: string; holder: string; now: number }): Promise<boolean>;
  /** The newest of the control plane's own plans (never a plan answering an operator's request). */
  latest(hostId: string): Promise<HostPlanRecord | null>;
  /** The newest operator request made since `since` that the host's agent has not reported on yet. */
  pendingRequest(hostId: string, since: number): Promise<HostPlanRecord | null>;
  /** One plan of a host, or null. */
  get(hostId: string, planId: string): Promise<HostPlanRecord | null>;
  /** Record what the agent did with a plan of its own host; false when no such plan. */
  report(hostId: string, planId: string, outcome: HostPlanOutcome): Promise<boolean>;
  /** Drop plans made before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

export interface HostPlansTable {
  id: string;
  host_id: string;
  fence: number;
  created_at: number;
  plan_json: string;
  outcome_status: string | null;
  outcome_reason: string | null;
  reallocation_id: string | null;
  reported_at: number | null;
  decided_by: string | null;
  measured_before: number | null;
  measured_after: number | null;
  request_json: string | null;
}
interface Db {
  host_plans: HostPlansTable;
  hosts: { id: string; planning_json: string | null };
}

/** A host_plans row as a record (the host reads share it). */
export const toRecord = (r: HostPlansTable): HostPlanRecord => ({
  id: r.id,
  hostId: r.host_id,
  fence: Number(r.fence),
  createdAt: Number(r.created_at),
  plan: JSON.parse(r.plan_json) as Plan,
  decidedBy: r.decided_by ?? null,
  ...(r.request_json ? { request: JSON.parse(r.request_json) as HostPlanRequest } : {}),
  outcome:
    r.outcome_status === null
      ? null
      : {
          status: r.outcome_status,
          reason: r.outcome_reason,
          reallocationId: r.reallocation_id,
          reportedAt: Number(r.reported_at),
          ...(r.measured_before != null && r.measured_after != null
            ? { measuredBeforeUsdPerHour: Number(r.measured_before), measuredAfterUsdPerHour: Number(r.measured_after) }
            : {}),
        },
});

export function createHostPlansRepository(anyDb: Kysely<unknown>): HostPlansRepository {
  const db = anyDb as Kysely<Db>;
  return {
    async setPlanning(hostId, planning) {
      await db.updateTable('hosts').set({ planning_json: JSON.stringify(planning) }).where('id', '=', hostId).execute();
    },
    async planning(hostId) {
      const r = await db.selectFrom('hosts').select('planning_json').where('id', '=', hostId).executeTakeFirst();
      return r?.planning_json ? (JSON.parse(r.planning_json) as unknown) : null;
    },
    async insertFenced(p, lease) {
      const r = await sql`
        insert into host_plans (id, host_id, fence, created_at, plan_json, decided_by, request_json)
        select cast(${p.id} as text), cast(${p.hostId} as text), cast(${p.fence} as bigint), cast(${p.createdAt} as bigint),
               cast(${JSON.stringify(p.plan)} as text), cast(${lease.holder} as text),
               cast(${p.request ? JSON.stringify(p.request) : null} as text)
        where exists (
          select 1 from leases
          where name = ${lease.name} and holder = ${lease.holder} and fence = ${p.fence} and expires_at > ${lease.now}
        )`.execute(db);
      return Number(r.numAffectedRows ?? 0n) > 0;
    },
    async latest(hostId) {
      const r = await db
        .selectFrom('host_plans')
        .selectAll()
        .where('host_id', '=', hostId)
        .where('request_json', 'is', null)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },
    async pendingRequest(hostId, since) {
      const r = await db
        .selectFrom('host_plans')
        .selectAll()
        .where('host_id', '=', hostId)
        .where('request_json', 'is not', null)
        .where('outcome_status', 'is', null)
        .where('created_at', '>=', since)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },
    async get(hostId, planId) {
      const r = await db.selectFrom('host_plans').selectAll().where('host_id', '=', hostId).where('id', '=', planId).executeTakeFirst();
      return r ? toRecord(r) : null;
    },
    async report(hostId, planId, o) {
      const r = await db
        .updateTable('host_plans')
        .set({
          outcome_status: o.status,
          outcome_reason: o.reason,
          reallocation_id: o.reallocationId,
          reported_at: o.reportedAt,
          // An outcome reported again without its measured effect (an older agent) keeps one already stored.
          ...(o.measuredBeforeUsdPerHour != null && o.measuredAfterUsdPerHour != null
            ? { measured_before: o.measuredBeforeUsdPerHour, measured_after: o.measuredAfterUsdPerHour }
            : {}),
        })
        .where('id', '=', planId)
        .where('host_id', '=', hostId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async prune(before) {
      const r = await db.deleteFrom('host_plans').where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
