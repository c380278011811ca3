/** The append-only audit log of security-relevant actions. */
import type { Kysely } from 'kysely';
import { fromJson, toJson } from '../codec.js';
import type { Database } from '../schema.js';
import type { AuditRepository } from '../types.js';

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async insert(e) {
      await db
        .insertInto('audit_log')
        .values({
          time: e.time,
          actor: e.actor,
          role: e.role,
          action: e.action,
          target: e.target,
          source_ip: e.sourceIp,
          result: e.result,
          request_id: e.requestId,
          details: toJson(e.details),
        })
        .execute();
    },

    async list(query = {}) {
      let q = db.selectFrom('audit_log').selectAll();
      if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      if (query.from !== undefined) q = q.where('time', '>=', query.from);
      if (query.to !== undefined) q = q.where('time', '<=', query.to);
      const rows = await q
        .orderBy('time', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit ?? 100)
        .offset(query.offset ?? 0)
        .execute();
      return rows.map((r) => ({
        id: Number(r.id),
        time: Number(r.time),
        actor: r.actor,
        role: r.role,
        action: r.action,
        target: r.target,
        sourceIp: r.source_ip,
        result: r.result as 'success' | 'failure',
        requestId: r.request_id,
        details: fromJson<Record<string, unknown>>(r.details),
      }));
    },
  };
}
