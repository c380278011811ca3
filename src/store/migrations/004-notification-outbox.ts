/**
 * The notification outbox: every message to a channel is a row written before it is sent, so a restart loses
 * nothing and a failed send is retried with backoff. `notification_outbox_alerts` links a message to the alerts it
 * carries (a grouped message carries several), which gives the delivery status per alert and channel.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function notificationOutboxMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notification_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('payload', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('held', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('sent_at', big)
        .execute();
      await db.schema.createIndex('notification_outbox_due').on('notification_outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('notification_outbox_channel').on('notification_outbox').columns(['channel', 'created_at']).execute();
      await db.schema
        .createTable('notification_outbox_alerts')
        .addColumn('outbox_id', 'text', (c) => c.notNull())
        .addColumn('alert_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_outbox_alerts_pk', ['outbox_id', 'alert_id'])
        .execute();
      await db.schema.createIndex('notification_outbox_alerts_alert').on('notification_outbox_alerts').columns(['alert_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('notification_outbox_alerts').ifExists().execute();
      await db.schema.dropTable('notification_outbox').ifExists().execute();
    },
  };
}
