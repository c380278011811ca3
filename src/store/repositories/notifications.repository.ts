/** The notification outbox (migration 004): messages waiting for, or done with, delivery to a channel. */
import type { Kysely, Selectable } from 'kysely';
import type { Delivery, OutboxMessage } from '../../domain/notification.js';
import { fromJson, toJson } from '../codec.js';
import type { Database, NotificationOutboxTable } from '../schema.js';
import type { NotificationOutboxRepository } from '../types.js';

function toMessage(r: Selectable<NotificationOutboxTable>, alertIds: string[]): OutboxMessage {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind as OutboxMessage['kind'],
    severity: r.severity as OutboxMessage['severity'],
    title: r.title,
    body: r.body,
    payload: fromJson<Record<string, unknown>>(r.payload),
    status: r.status as OutboxMessage['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    held: Number(r.held) === 1,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    sentAt: r.sent_at == null ? null : Number(r.sent_at),
    alertIds,
  };
}

export function createNotificationOutboxRepository(db: Kysely<Database>): NotificationOutboxRepository {
  async function withAlerts(rows: Selectable<NotificationOutboxTable>[]): Promise<OutboxMessage[]> {
    if (rows.length === 0) return [];
    const links = await db
      .selectFrom('notification_outbox_alerts')
      .select(['outbox_id', 'alert_id'])
      .where(
        'outbox_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const byId = new Map<string, string[]>();
    for (const l of links) byId.set(l.outbox_id, [...(byId.get(l.outbox_id) ?? []), l.alert_id]);
    return rows.map((r) => toMessage(r, (byId.get(r.id) ?? []).sort()));
  }

  return {
    async enqueue(m) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('notification_outbox')
          .values({
            id: m.id,
            channel: m.channel,
            kind: m.kind,
            severity: m.severity,
            title: m.title,
            body: m.body,
            payload: toJson(m.payload),
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.nextAttemptAt,
            held: m.held ? 1 : 0,
            last_error: m.lastError,
            created_at: m.createdAt,
            updated_at: m.updatedAt,
            sent_at: m.sentAt,
          })
          .execute();
        if (m.alertIds.length > 0) {
          await tx
            .insertInto('notification_outbox_alerts')
            .values([...new Set(m.alertIds)].map((alertId) => ({ outbox_id: m.id, alert_id: alertId })))
            .execute();
        }
      });
    },

    async due(now, limit) {
      const rows = await db
        .selectFrom('notification_outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return withAlerts(rows);
    },

    async get(id) {
      const row = await db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? ((await withAlerts([row]))[0] ?? null) : null;
    },

    async update(id, p) {
      const row: Partial<NotificationOutboxTable> = {};
      if (p.status !== undefined) row.status = p.status;
      if (p.attempts !== undefined) row.attempts = p.attempts;
      if (p.nextAttemptAt !== undefined) row.next_attempt_at = p.nextAttemptAt;
      if (p.lastError !== undefined) row.last_error = p.lastError;
      if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
      if (p.sentAt !== undefined) row.sent_at = p.sentAt;
      if (Object.keys(row).length === 0) return;
      await db.updateTable('notification_outbox').set(row).where('id', '=', id).execute();
    },

    async deliveries(alertIds) {
      if (alertIds.length === 0) return [];
      const rows = await db
        .selectFrom('notification_outbox_alerts as l')
        .innerJoin('notification_outbox as o', 'o.id', 'l.outbox_id')
        .select(['l.alert_id', 'o.channel', 'o.kind', 'o.status', 'o.attempts', 'o.last_error', 'o.updated_at', 'o.sent_at', 'o.created_at'])
        .where('l.alert_id', 'in', [...new Set(alertIds)])
        .orderBy('o.created_at')
        .orderBy('o.id')
        .execute();
      // The latest message wins per (alert, channel): rows come oldest first.
      const latest = new Map<string, Delivery>();
      for (const r of rows) {
        latest.set(`${r.alert_id}\u0000${r.channel}`, {
          alertId: r.alert_id,
          channel: r.channel,
          kind: r.kind as Delivery['kind'],
          status: r.status as Delivery['status'],
          attempts: Number(r.attempts),
          lastError: r.last_error,
          updatedAt: Number(r.updated_at),
          sentAt: r.sent_at == null ? null : Number(r.sent_at),
        });
      }
      return [...latest.values()];
    },

    async latestByChannel() {
      const newest = db
        .selectFrom('notification_outbox')
        .select(['channel', (eb) => eb.fn.max('created_at').as('created_at')])
        .groupBy('channel')
        .as('n');
      const rows = await db
        .selectFrom('notification_outbox as o')
        .innerJoin(newest, (j) => j.onRef('n.channel', '=', 'o.channel').onRef('n.created_at', '=', 'o.created_at'))
        .selectAll('o')
        .orderBy('o.channel')
        .execute();
      const unique = new Map<string, (typeof rows)[number]>();
      for (const r of rows) if (!unique.has(r.channel)) unique.set(r.channel, r);
      return withAlerts([...unique.values()]);
    },

    async lastOfKind(channel, kind) {
      const row = await db
        .selectFrom('notification_outbox')
        .select((eb) => eb.fn.max('created_at').as('t'))
        .where('channel', '=', channel)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return row?.t == null ? null : Number(row.t);
    },

    async pendingCount() {
      const rows = await db
        .selectFrom('notification_outbox')
        .select(['channel', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'pending')
        .groupBy('channel')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.channel, Number(r.n)]));
    },

    async list(query = {}) {
      let q = db.selectFrom('notification_outbox').selectAll();
      if (query.channel !== undefined) q = q.where('channel', '=', query.channel);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit ?? 100).execute();
      return withAlerts(rows);
    },
  };
}
