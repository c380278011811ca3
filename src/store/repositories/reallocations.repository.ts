/** Reallocations and their steps; the steps table is the journal a restart reads to finish or roll back. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Allocation, ResourceShares } from '../../domain/resources.js';
import type { Reallocation, ReallocationStatus, ReallocationStep, StepStatus } from '../../domain/reallocation.js';
import { flag } from '../codec.js';
import type { Database, ReallocationStepsTable, ReallocationsTable } from '../schema.js';
import type { ReallocationsRepository } from '../types.js';

function stepRow(id: string, s: ReallocationStep): ReallocationStepsTable {
  return {
    reallocation_id: id,
    seq: s.seq,
    protocol: s.protocol,
    from_shares: JSON.stringify(s.from),
    to_shares: JSON.stringify(s.to),
    status: s.status,
    error: s.error,
    applied_at: s.appliedAt,
  };
}

function toStep(r: Selectable<ReallocationStepsTable>): ReallocationStep {
  return {
    seq: Number(r.seq),
    protocol: r.protocol,
    from: JSON.parse(r.from_shares) as ResourceShares,
    to: JSON.parse(r.to_shares) as ResourceShares,
    status: r.status as StepStatus,
    error: r.error,
    appliedAt: r.applied_at == null ? null : Number(r.applied_at),
  };
}

function toReallocation(r: Selectable<ReallocationsTable>, steps: ReallocationStep[]): Reallocation {
  return {
    id: r.id,
    status: r.status as ReallocationStatus,
    reason: r.reason,
    trigger: r.trigger as Reallocation['trigger'],
    dryRun: Number(r.dry_run) === 1,
    exploration: Number(r.exploration) === 1,
    strategy: r.strategy,
    before: JSON.parse(r.before_alloc) as Allocation,
    after: JSON.parse(r.after_alloc) as Allocation,
    projectedImprovementUsdPerHour: Number(r.projected_improvement),
    ...(r.projected_deltas == null ? {} : { projectedDeltas: JSON.parse(r.projected_deltas) as Record<string, number> }),
    confidence: Number(r.confidence),
    steps,
    measuredBeforeUsdPerHour: r.measured_before == null ? null : Number(r.measured_before),
    measuredAfterUsdPerHour: r.measured_after == null ? null : Number(r.measured_after),
    createdAt: Number(r.created_at),
    finishedAt: r.finished_at == null ? null : Number(r.finished_at),
  };
}

function patchRow(patch: Partial<Omit<Reallocation, 'id' | 'steps'>>): Updateable<ReallocationsTable> {
  const row: Updateable<ReallocationsTable> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.reason !== undefined) row.reason = patch.reason;
  if (patch.trigger !== undefined) row.trigger = patch.trigger;
  if (patch.dryRun !== undefined) row.dry_run = flag(patch.dryRun);
  if (patch.exploration !== undefined) row.exploration = flag(patch.exploration);
  if (patch.strategy !== undefined) row.strategy = patch.strategy;
  if (patch.before !== undefined) row.before_alloc = JSON.stringify(patch.before);
  if (patch.after !== undefined) row.after_alloc = JSON.stringify(patch.after);
  if (patch.projectedImprovementUsdPerHour !== undefined) row.projected_improvement = patch.projectedImprovementUsdPerHour;
  if (patch.projectedDeltas !== undefined) row.projected_deltas = JSON.stringify(patch.projectedDeltas);
  if (patch.confidence !== undefined) row.confidence = patch.confidence;
  if (patch.measuredBeforeUsdPerHour !== undefined) row.measured_before = patch.measuredBeforeUsdPerHour;
  if (patch.measuredAfterUsdPerHour !== undefined) row.measured_after = patch.measuredAfterUsdPerHour;
  if (patch.createdAt !== undefined) row.created_at = patch.createdAt;
  if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
  return row;
}

export function createReallocationsRepository(db: Kysely<Database>): ReallocationsRepository {
  async function withSteps(rows: Selectable<ReallocationsTable>[]): Promise<Reallocation[]> {
    if (rows.length === 0) return [];
    const steps = await db
      .selectFrom('reallocation_steps')
      .selectAll()
      .where(
        'reallocation_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('seq')
      .execute();
    const byId = new Map<string, ReallocationStep[]>();
    for (const s of steps) {
      const list = byId.get(s.reallocation_id) ?? [];
      list.push(toStep(s));
      byId.set(s.reallocation_id, list);
    }
    return rows.map((r) => toReallocation(r, byId.get(r.id) ?? []));
  }

  return {
    async create(r) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('reallocations')
          .values({
            id: r.id,
            status: r.status,
            reason: r.reason,
            trigger: r.trigger,
            dry_run: flag(r.dryRun),
            exploration: flag(r.exploration),
            strategy: r.strategy,
            before_alloc: JSON.stringify(r.before),
            after_alloc: JSON.stringify(r.after),
            projected_improvement: r.projectedImprovementUsdPerHour,
            projected_deltas: r.projectedDeltas ? JSON.stringify(r.projectedDeltas) : null,
            confidence: r.confidence,
            measured_before: r.measuredBeforeUsdPerHour,
            measured_after: r.measuredAfterUsdPerHour,
            created_at: r.createdAt,
            finished_at: r.finishedAt,
          })
          .execute();
        if (r.steps.length > 0) {
          await trx.insertInto('reallocation_steps').values(r.steps.map((s) => stepRow(r.id, s))).execute();
        }
      });
    },

    async update(id, patch) {
      const row = patchRow(patch);
      if (Object.keys(row).length === 0) return;
      await db.updateTable('reallocations').set(row).where('id', '=', id).execute();
    },

    async updateStep(id, step) {
      const row = stepRow(id, step);
      await db
        .insertInto('reallocation_steps')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['reallocation_id', 'seq']).doUpdateSet({
            protocol: row.protocol,
            from_shares: row.from_shares,
            to_shares: row.to_shares,
            status: row.status,
            error: row.error,
            applied_at: row.applied_at,
          }),
        )
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('reallocations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? ((await withSteps([row]))[0] ?? null) : null;
    },

    async list(query = {}) {
      let q = db.selectFrom('reallocations').selectAll();
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit ?? 50)
        .offset(query.offset ?? 0)
        .execute();
      return withSteps(rows);
    },

    async findInterrupted() {
      const rows = await db.selectFrom('reallocations').selectAll().where('status', '=', 'applying').orderBy('created_at').execute();
      return withSteps(rows);
    },

    async countAppliedSince(time) {
      const row = await db
        .selectFrom('reallocations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'applied')
        .where('dry_run', '=', 0)
        .where('created_at', '>=', time)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async lastChangeByProtocol() {
      // Steps that took effect carry their own time; the reallocation's finish time covers steps without one.
      const rows = await db
        .selectFrom('reallocation_steps as s')
        .innerJoin('reallocations as r', 'r.id', 's.reallocation_id')
        .select((eb) => ['s.protocol', eb.fn.max(eb.fn.coalesce('s.applied_at', 'r.finished_at', 'r.created_at')).as('at')])
        .where('r.status', '=', 'applied')
        .where('r.dry_run', '=', 0)
        .where('s.status', '=', 'applied')
        .groupBy('s.protocol')
        .execute();
      const out: Record<string, number> = {};
      for (const r of rows) if (r.at != null) out[r.protocol] = Number(r.at);
      return out;
    },

    async pendingMeasurement(before) {
      const rows = await db
        .selectFrom('reallocations')
        .selectAll()
        .where('status', '=', 'applied')
        .where('dry_run', '=', 0)
        .where('measured_after', 'is', null)
        .where('finished_at', 'is not', null)
        .where('finished_at', '<', before)
        .orderBy('finished_at')
        .execute();
      return withSteps(rows);
    },
  };
}
