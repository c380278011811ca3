/** Node health (migration 003): one row per change of a protocol's health, and each protocol's earnings ledger. */
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { type LedgerState, LedgerStateSchema } from '../../domain/earnings.js';
import { type NodeHealth, NodeHealthSchema } from '../../domain/health.js';
import type { HealthRecord, LedgerRepository, NodeHealthRepository } from '../types.js';

interface NodeHealthTables {
  protocol_health: { protocol: string; time: number; health: string };
  earnings_ledger: { protocol: string; state: string; updated_at: number };
}

const parse = <T>(text: string, check: (v: unknown) => v is T): T | null => {
  try {
    const v: unknown = JSON.parse(text);
    return check(v) ? v : null;
  } catch {
    return null;
  }
};
const isHealth = (v: unknown): v is NodeHealth => Value.Check(NodeHealthSchema, v);
const isLedger = (v: unknown): v is LedgerState => Value.Check(LedgerStateSchema, v);

export function createNodeHealthRepository(db: Kysely<NodeHealthTables>): NodeHealthRepository {
  // The last health written per protocol: a poll that changes nothing writes nothing.
  const lastWritten = new Map<string, string>();

  async function latestRow(protocol: string) {
    return db.selectFrom('protocol_health').selectAll().where('protocol', '=', protocol).orderBy('time', 'desc').limit(1).executeTakeFirst();
  }

  // One write at a time per protocol: two polls' writes racing would both see "changed" and store the same health twice.
  const queues = new Map<string, Promise<unknown>>();

  async function write(protocol: string, time: number, health: NodeHealth): Promise<boolean> {
    const text = JSON.stringify(health);
    if (!lastWritten.has(protocol)) {
      const row = await latestRow(protocol);
      if (row) lastWritten.set(protocol, row.health);
    }
    if (lastWritten.get(protocol) === text) return false;
    await db
      .insertInto('protocol_health')
      .values({ protocol, time, health: text })
      .onConflict((oc) => oc.columns(['protocol', 'time']).doUpdateSet({ health: text }))
      .execute();
    lastWritten.set(protocol, text);
    return true;
  }

  return {
    record(protocol, time, health) {
      const next = (queues.get(protocol) ?? Promise.resolve()).catch(() => undefined).then(() => write(protocol, time, health));
      queues.set(protocol, next);
      return next;
    },
    async latest() {
      const rows = await db
        .selectFrom('protocol_health as h')
        .selectAll()
        .where(({ eb, selectFrom }) =>
          eb('h.time', '=', selectFrom('protocol_health as i').select((e) => e.fn.max('i.time').as('t')).whereRef('i.protocol', '=', 'h.protocol')),
        )
        .execute();
      const out: HealthRecord[] = [];
      for (const r of rows) {
        const health = parse(r.health, isHealth);
        if (health) out.push({ protocol: r.protocol, time: Number(r.time), health });
      }
      return out;
    },
    async deleteBefore(before) {
      const r = await db
        .deleteFrom('protocol_health')
        .where('time', '<', before)
        .where(({ eb, selectFrom }) =>
          eb('time', '<', selectFrom('protocol_health as i').select((e) => e.fn.max('i.time').as('t')).whereRef('i.protocol', '=', 'protocol_health.protocol')),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async history(protocol, from, to) {
      const rows = await db
        .selectFrom('protocol_health')
        .selectAll()
        .where('protocol', '=', protocol)
        .where('time', '>=', from)
        .where('time', '<', to)
        .orderBy('time', 'asc')
        .limit(10_000)
        .execute();
      return rows.flatMap((r) => {
        const health = parse(r.health, isHealth);
        return health ? [{ protocol: r.protocol, time: Number(r.time), health }] : [];
      });
    },
  };
}

export function createLedgerRepository(db: Kysely<NodeHealthTables>): LedgerRepository {
  return {
    async load() {
      const rows = await db.selectFrom('earnings_ledger').selectAll().execute();
      const out = new Map<string, LedgerState>();
      for (const r of rows) {
        const state = parse(r.state, isLedger);
        if (state) out.set(r.protocol, state);
      }
      return out;
    },
    async save(protocol, state) {
      const text = JSON.stringify(state);
      await db
        .insertInto('earnings_ledger')
        .values({ protocol, state: text, updated_at: state.time })
        .onConflict((oc) => oc.column('protocol').doUpdateSet({ state: text, updated_at: state.time }))
        .execute();
    },
  };
}
