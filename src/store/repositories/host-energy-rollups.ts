/**
 * Fleet hosts' energy kept past `rawDays` (migration 023): retention moves each host's points of whole hours before
 * its cutoff into hourly rollups and deletes them in one transaction, so a point is either raw or in its hour's
 * rollup, never both; a host's energy totals (its energy report) add the rolled-up hours that start in the range to
 * its raw points. Meter readings are not rolled up (the report does not read them).
 */
import { type Kysely, sql } from 'kysely';
import { ceilHour, floorHour, HOUR_MS } from '../codec.js';
import { HOST_ENERGY_HOURLY, PROTOCOL_ENERGY_HOURLY } from '../migrations/023-host-energy-hourly.js';
import type { Dialect } from '../types.js';
import type { EnergyRepository, EnergyTotal } from './energy.repository.js';
import { RETENTION_LOCK } from './fleet-ingest.js';

const hourOf = (column: string) => sql.raw(`(${column} / cast(${HOUR_MS} as bigint)) * cast(${HOUR_MS} as bigint)`);
const n = (v: unknown) => Number(v ?? 0);

/** Merge of a stored hour with newly rolled-up points: sums added, averages weighted by points. Fixed names only. */
function mergeSet(table: string, sums: readonly string[], averages: readonly string[]): string {
  return [
    ...sums.map((c) => `${c} = ${table}.${c} + excluded.${c}`),
    ...averages.map((c) => `${c} = (${table}.${c} * ${table}.points + excluded.${c} * excluded.points) / (${table}.points + excluded.points)`),
    `points = ${table}.points + excluded.points`,
  ].join(', ');
}

/** Rolls every host's energy points before `before` (floored to the hour) into hourly rows, then deletes them. */
export async function rollupHostEnergyBefore(db: Kysely<unknown>, dialect: Dialect, before: number): Promise<number> {
  const cutoff = floorHour(before);
  return db.transaction().execute(async (trx) => {
    // The ingest holds this shared while it writes old points: none lands between the rollup and the delete.
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${RETENTION_LOCK})`.execute(trx);
    const p = PROTOCOL_ENERGY_HOURLY;
    await sql`insert into host_energy_protocol_hourly (host_id, protocol, hour, points, first_time, ${sql.raw([...p.sums, ...p.averages].join(', '))})
      select p.host_id, p.protocol, ${hourOf('p.time')} as hr, count(*), min(p.time), sum(h.interval_ms), sum(p.energy_kwh), sum(p.cost_usd),
        sum(p.gross_usd), sum(p.estimated), ${sql.raw(p.averages.map((c) => `avg(p.${c})`).join(', '))}
      from host_energy_protocol_points p inner join host_energy_points h on h.host_id = p.host_id and h.time = p.time
      where p.time < ${cutoff} group by p.host_id, p.protocol, hr
      on conflict (host_id, protocol, hour) do update set
      ${sql.raw(`${mergeSet('host_energy_protocol_hourly', p.sums, p.averages)}, first_time = case when excluded.first_time < host_energy_protocol_hourly.first_time then excluded.first_time else host_energy_protocol_hourly.first_time end`)}`.execute(trx);
    const h = HOST_ENERGY_HOURLY;
    await sql`insert into host_energy_hourly (host_id, hour, points, ${sql.raw([...h.sums, ...h.averages].join(', '))})
      select host_id, ${hourOf('time')} as hr, count(*), ${sql.raw([...h.sums.map((c) => `sum(${c})`), ...h.averages.map((c) => `avg(${c})`)].join(', '))}
      from host_energy_points where time < ${cutoff} group by host_id, hr
      on conflict (host_id, hour) do update set ${sql.raw(mergeSet('host_energy_hourly', h.sums, h.averages))}`.execute(trx);
    let removed = 0;
    for (const table of ['host_energy_protocol_points', 'host_energy_points', 'host_energy_meter_readings']) {
      const res = await sql`delete from ${sql.table(table)} where time < ${cutoff}`.execute(trx);
      removed += n(res.numAffectedRows);
    }
    return removed;
  });
}

/** A host's energy repository whose totals add its rolled-up hours (those that start in the range) to its raw points. */
export function withEnergyRollups(repo: EnergyRepository, db: Kysely<unknown>, hostId: string): EnergyRepository {
  const hours = (range: { from: number; to: number }) => sql`host_id = ${hostId} and hour >= ${ceilHour(range.from)} and hour < ${ceilHour(range.to + 1)}`;
  return {
    ...repo,
    async totals(range) {
      const [raw, rolled] = await Promise.all([
        repo.totals(range),
        sql<Record<string, unknown>>`select protocol, sum(energy_kwh) as energy_kwh, sum(cost_usd) as cost_usd, sum(gross_usd) as gross_usd,
          sum(covered_ms) as covered, min(first_time) as first, sum(estimated) as estimated, sum(points) as points
          from host_energy_protocol_hourly where ${hours(range)} group by protocol`.execute(db),
      ]);
      const byProtocol = new Map<string, EnergyTotal>(raw.map((t) => [t.protocol, { ...t }]));
      for (const r of rolled.rows) {
        const protocol = String(r.protocol);
        const t = byProtocol.get(protocol);
        const add: EnergyTotal = {
          protocol,
          energyKwh: n(r.energy_kwh),
          costUsd: n(r.cost_usd),
          grossUsd: n(r.gross_usd),
          coveredMs: n(r.covered),
          firstTime: n(r.first),
          estimatedPoints: n(r.estimated),
          points: n(r.points),
        };
        byProtocol.set(
          protocol,
          t === undefined
            ? add
            : {
                protocol,
                energyKwh: t.energyKwh + add.energyKwh,
                costUsd: t.costUsd + add.costUsd,
                grossUsd: t.grossUsd + add.grossUsd,
                coveredMs: t.coveredMs + add.coveredMs,
                firstTime: Math.min(t.firstTime, add.firstTime),
                estimatedPoints: t.estimatedPoints + add.estimatedPoints,
                points: t.points + add.points,
              },
        );
      }
      return [...byProtocol.values()].sort((a, b) => a.protocol.localeCompare(b.protocol));
    },
    async hostTotals(range) {
      const [raw, rolled] = await Promise.all([
        repo.hostTotals(range),
        sql<Record<string, unknown>>`select sum(energy_kwh) as energy_kwh, sum(cost_usd) as cost_usd, sum(estimated) as estimated, sum(points) as points
          from host_energy_hourly where ${hours(range)}`.execute(db),
      ]);
      const r = rolled.rows[0] ?? {};
      return {
        energyKwh: raw.energyKwh + n(r.energy_kwh),
        costUsd: raw.costUsd + n(r.cost_usd),
        estimatedPoints: raw.estimatedPoints + n(r.estimated),
        points: raw.points + n(r.points),
      };
    },
  };
}
