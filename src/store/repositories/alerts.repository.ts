/** Alerts, with the dedup lookup the monitor uses to keep one open alert per condition. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Alert } from '../../domain/alert.js';
import { fromJson, toJson } from '../codec.js';
import type { AlertsTable, Database } from '../schema.js';
import type { AlertsRepository } from '../types.js';

const num = (v: number | null) => (v == null ? null : Number(v));

export function toAlert(r: Selectable<AlertsTable>): Alert {
  return {
    id: r.id,
    type: r.type as Alert['type'],
    severity: r.severity as Alert['severity'],
    status: r.status as Alert['status'],
    dedupKey: r.dedup_key,
    protocol: r.protocol,
    message: r.message,
    details: fromJson<Record<string, unknown>>(r.details),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    acknowledgedAt: num(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: num(r.resolved_at),
  };
}

function patchRow(p: Partial<Omit<Alert, 'id'>>): Updateable<AlertsTable> {
  const row: Updateable<AlertsTable> = {};
  if (p.type !== undefined) row.type = p.type;
  if (p.severity !== undefined) row.severity = p.severity;
  if (p.status !== undefined) row.status = p.status;
  if (p.dedupKey !== undefined) row.dedup_key = p.dedupKey;
  if (p.protocol !== undefined) row.protocol = p.protocol;
  if (p.message !== undefined) row.message = p.message;
  if (p.details !== undefined) row.details = toJson(p.details);
  if (p.createdAt !== undefined) row.created_at = p.createdAt;
  if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
  if (p.acknowledgedAt !== undefined) row.acknowledged_at = p.acknowledgedAt;
  if (p.acknowledgedBy !== undefined) row.acknowledged_by = p.acknowledgedBy;
  if (p.resolvedAt !== undefined) row.resolved_at = p.resolvedAt;
  return row;
}

export function createAlertsRepository(db: Kysely<Database>): AlertsRepository {
  return {
    async insert(a) {
      await db
        .insertInto('alerts')
        .values({
          id: a.id,
          type: a.type,
          severity: a.severity,
          status: a.status,
          dedup_key: a.dedupKey,
          protocol: a.protocol,
          message: a.message,
          details: toJson(a.details),
          created_at: a.createdAt,
          updated_at: a.updatedAt,
          acknowledged_at: a.acknowledgedAt,
          acknowledged_by: a.acknowledgedBy,
          resolved_at: a.resolvedAt,
        })
        .execute();
    },

    async update(id, patch) {
      const row = patchRow(patch);
      if (Object.keys(row).length === 0) return;
      await db.updateTable('alerts').set(row).where('id', '=', id).execute();
    },

    async get(id) {
      const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAlert(row) : null;
    },

    async findActiveByKey(dedupKey) {
      const row = await db
        .selectFrom('alerts')
        .selectAll()
        .where('dedup_key', '=', dedupKey)
        .where('status', 'in', ['open', 'acknowledged'])
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toAlert(row) : null;
    },

    async list(query = {}) {
      let q = db.selectFrom('alerts').selectAll();
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return [];
        q = q.where('status', 'in', statuses);
      }
      if (query.type !== undefined) q = q.where('type', '=', query.type);
      if (query.protocol !== undefined) q = q.where('protocol', '=', query.protocol);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit ?? 100)
        .offset(query.offset ?? 0)
        .execute();
      return rows.map(toAlert);
    },

    async countActive() {
      const row = await db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['open', 'acknowledged'])
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
