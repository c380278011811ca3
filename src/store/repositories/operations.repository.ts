/** Long-running operations (reallocate, report, export) so a restart can see what was left unfinished. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Operation } from '../../domain/operation.js';
import { fromJson, toJson } from '../codec.js';
import type { Database, OperationsTable } from '../schema.js';
import type { OperationsRepository } from '../types.js';

const num = (v: number | null) => (v == null ? null : Number(v));

function toOperation(r: Selectable<OperationsTable>): Operation {
  return {
    id: r.id,
    kind: r.kind as Operation['kind'],
    priority: r.priority as Operation['priority'],
    status: r.status as Operation['status'],
    params: fromJson<Record<string, unknown>>(r.params) ?? {},
    result: fromJson<unknown>(r.result),
    error: r.error,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

function patchRow(p: Partial<Omit<Operation, 'id'>>): Updateable<OperationsTable> {
  const row: Updateable<OperationsTable> = {};
  if (p.kind !== undefined) row.kind = p.kind;
  if (p.priority !== undefined) row.priority = p.priority;
  if (p.status !== undefined) row.status = p.status;
  if (p.params !== undefined) row.params = JSON.stringify(p.params);
  if (p.result !== undefined) row.result = toJson(p.result);
  if (p.error !== undefined) row.error = p.error;
  if (p.createdBy !== undefined) row.created_by = p.createdBy;
  if (p.createdAt !== undefined) row.created_at = p.createdAt;
  if (p.startedAt !== undefined) row.started_at = p.startedAt;
  if (p.finishedAt !== undefined) row.finished_at = p.finishedAt;
  return row;
}

export function createOperationsRepository(db: Kysely<Database>): OperationsRepository {
  return {
    async insert(op) {
      await db
        .insertInto('operations')
        .values({
          id: op.id,
          kind: op.kind,
          priority: op.priority,
          status: op.status,
          params: JSON.stringify(op.params),
          result: toJson(op.result),
          error: op.error,
          created_by: op.createdBy,
          created_at: op.createdAt,
          started_at: op.startedAt,
          finished_at: op.finishedAt,
        })
        .execute();
    },

    async update(id, patch) {
      const row = patchRow(patch);
      if (Object.keys(row).length === 0) return;
      await db.updateTable('operations').set(row).where('id', '=', id).execute();
    },

    async get(id) {
      const row = await db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toOperation(row) : null;
    },

    async list(query = {}) {
      let q = db.selectFrom('operations').selectAll();
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit ?? 100)
        .execute();
      return rows.map(toOperation);
    },

    async findUnfinished() {
      const rows = await db
        .selectFrom('operations')
        .selectAll()
        .where('status', 'in', ['pending', 'processing'])
        .orderBy('created_at')
        .execute();
      return rows.map(toOperation);
    },
  };
}
