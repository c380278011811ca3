/**
 * Fleet hosts' energy (migration 020): each host's stored points, read through the energy repository with the host
 * as its scope; the latest figures each agent reported; and retention over every host at once. Points are written
 * by the agents' ingest, inside the batch's own transaction (`insertHostEnergy`), so a batch is stored whole or not.
 */
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../types.js';
import { createEnergyRepository, type EnergyRecord, type EnergyRepository, insertEnergyRecord } from './energy.repository.js';
import { rollupHostEnergyBefore, withEnergyRollups } from './host-energy-rollups.js';

/** One point an agent sent: what its own energy accounting stored, and its figures at that moment (JSON). */
export interface HostEnergyPoint {
  record: EnergyRecord;
  viewJson: string;
}

export interface HostEnergyRepository {
  /** One host's energy series, in this machine's repository shape (history, totals, windows). */
  of(hostId: string): EnergyRepository;
  /** The latest figures the host's agent reported, as it sent them; null when it never sent any. */
  now(hostId: string): Promise<{ time: number; viewJson: string } | null>;
  /** Per host with figures, the latest (JSON), for the hosts list. */
  allNow(): Promise<Map<string, { time: number; viewJson: string }>>;
  /**
   * Every host's points before `before` (floored to the hour) rolled up hourly and deleted (retention, migration 023);
   * the latest figures stay. Returns raw rows removed.
   */
  prune(before: number): Promise<number>;
  /** Every host's energy rollups of hours before `before` (floored to the hour) deleted (`rollupDays`). */
  deleteRollupsBefore(before: number): Promise<number>;
}

interface NowTable {
  host_energy_now: { host_id: string; time: number; view_json: string };
}

/** Writes an agent's points for its host inside the caller's transaction; the latest figures move only forward. */
export async function insertHostEnergy(tx: Kysely<unknown>, hostId: string, points: HostEnergyPoint[]): Promise<void> {
  let newest: HostEnergyPoint | null = null;
  for (const p of points) {
    await insertEnergyRecord(tx, p.record, { hostId });
    if (!newest || p.record.host.time > newest.record.host.time) newest = p;
  }
  if (!newest) return;
  const time = newest.record.host.time;
  await sql`insert into host_energy_now (host_id, time, view_json) values (${hostId}, ${time}, ${newest.viewJson})
    on conflict (host_id) do update set time = excluded.time, view_json = excluded.view_json
    where host_energy_now.time < excluded.time`.execute(tx);
}

export function createHostEnergyRepository(anyDb: Kysely<unknown>, dialect: Dialect = 'sqlite'): HostEnergyRepository {
  const db = anyDb as Kysely<NowTable>;
  const row = (r: { time: number | string; view_json: string }) => ({ time: Number(r.time), viewJson: r.view_json });
  return {
    of: (hostId) => withEnergyRollups(createEnergyRepository(anyDb, { hostId }), anyDb, hostId),
    async now(hostId) {
      const r = await db.selectFrom('host_energy_now').select(['time', 'view_json']).where('host_id', '=', hostId).executeTakeFirst();
      return r ? row(r) : null;
    },
    async allNow() {
      const rows = await db.selectFrom('host_energy_now').selectAll().execute();
      return new Map(rows.map((r) => [r.host_id, row(r)]));
    },
    prune: (before) => rollupHostEnergyBefore(anyDb, dialect, before),
    async deleteRollupsBefore(before) {
      let removed = 0;
      for (const table of ['host_energy_protocol_hourly', 'host_energy_hourly']) {
        const res = await sql`delete from ${sql.table(table)} where hour < ${Math.floor(before / 3_600_000) * 3_600_000}`.execute(anyDb);
        removed += Number(res.numAffectedRows ?? 0);
      }
      return removed;
    },
  };
}
