/**
 * Fleet hosts' energy kept past `rawDays` (migration 023): retention moves each host's points of whole hours before
 * its cutoff into hourly rollups and deletes them in one transaction, so a point is either raw or in its hour's
 * rollup, never both; a host's energy totals (its energy report) and its history at steps of whole hours add the
 * rolled-up hours that start in the range to its raw points. Meter readings are not rolled up (kept `rawDays`).
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

/** Weighted sums per bucket: averages times their weight, amounts as they are. */
type Acc = Record<string, number>;

function accumulate(into: Map<string, Acc>, key: string, weight: number, averages: Record<string, number>, sums: Record<string, number>): void {
  const acc = into.get(key) ?? { weight: 0 };
  acc.weight = (acc.weight ?? 0) + weight;
  for (const [k, v] of Object.entries(averages)) acc[k] = (acc[k] ?? 0) + v * weight;
  for (const [k, v] of Object.entries(sums)) acc[k] = (acc[k] ?? 0) + v;
  into.set(key, acc);
}

/**
 * A host's energy repository that adds its rolled-up hours (those that start in the range) to its raw points: totals,
 * and history at steps of whole hours (buckets merged, rates weighted by points). Meters stay raw only.
 */
export function withEnergyRollups(repo: EnergyRepository, db: Kysely<unknown>, hostId: string): EnergyRepository {
  const hours = (range: { from: number; to: number }) => sql`host_id = ${hostId} and hour >= ${ceilHour(range.from)} and hour < ${ceilHour(range.to + 1)}`;
  return {
    ...repo,
    async history(q) {
      const step = Math.max(1, Math.floor(q.stepMs));
      const raw = await repo.history(q);
      if (step % HOUR_MS !== 0) return raw;
      const bucket = sql.raw(`(hour / cast(${step} as bigint)) * cast(${step} as bigint)`);
      const rawBucket = sql.raw(`(time / cast(${step} as bigint)) * cast(${step} as bigint)`);
      const only = q.protocol ? sql`and protocol = ${q.protocol}` : sql``;
      const [hostRows, protocolRows] = await Promise.all([
        sql<Record<string, unknown>>`select ${bucket} as t, sum(points) as points, sum(host_watts * points) as host_watts, sum(cost_usd_per_hour * points) as cost_rate,
          sum(gross_usd_per_hour * points) as gross_rate, sum(energy_kwh) as energy_kwh, sum(cost_usd) as cost_usd, sum(estimated) as estimated
          from host_energy_hourly where ${hours(q)} group by t`.execute(db),
        sql<Record<string, unknown>>`select ${bucket} as t, protocol, sum(points) as points, sum(watts * points) as watts, sum(cost_usd_per_hour * points) as cost_rate,
          sum(gross_usd_per_hour * points) as gross_rate, sum(net_usd_per_hour * points) as net_rate, sum(cost_usd) as cost_usd, sum(gross_usd) as gross_usd
          from host_energy_protocol_hourly where ${hours(q)} ${only} group by t, protocol`.execute(db),
      ]);
      if (hostRows.rows.length === 0 && protocolRows.rows.length === 0) return raw;
      // The raw buckets' weights: how many points each averaged.
      const [hostCounts, protocolCounts] = await Promise.all([
        sql<Record<string, unknown>>`select ${rawBucket} as t, count(*) as c from host_energy_points
          where host_id = ${hostId} and time >= ${q.from} and time <= ${q.to} group by t`.execute(db),
        sql<Record<string, unknown>>`select ${rawBucket} as t, protocol, count(*) as c from host_energy_protocol_points
          where host_id = ${hostId} and time >= ${q.from} and time <= ${q.to} ${only} group by t, protocol`.execute(db),
      ]);
      const hostWeight = new Map(hostCounts.rows.map((r) => [n(r.t), n(r.c)]));
      const protocolWeight = new Map(protocolCounts.rows.map((r) => [`${n(r.t)}|${String(r.protocol)}`, n(r.c)]));
      const host = new Map<string, Acc>();
      for (const p of raw.host) {
        const w = hostWeight.get(p.time) ?? 1;
        accumulate(host, String(p.time), w, { hostWatts: p.hostWatts, costUsdPerHour: p.costUsdPerHour, grossUsdPerHour: p.grossUsdPerHour, estimated: p.estimated }, { energyKwh: p.energyKwh, costUsd: p.costUsd });
      }
      for (const r of hostRows.rows) {
        const w = n(r.points);
        accumulate(host, String(n(r.t)), w, { hostWatts: n(r.host_watts) / w, costUsdPerHour: n(r.cost_rate) / w, grossUsdPerHour: n(r.gross_rate) / w, estimated: n(r.estimated) / w }, { energyKwh: n(r.energy_kwh), costUsd: n(r.cost_usd) });
      }
      const protocols = new Map<string, Acc>();
      for (const p of raw.protocols) {
        const w = protocolWeight.get(`${p.time}|${p.protocol}`) ?? 1;
        accumulate(protocols, `${p.time}|${p.protocol}`, w, { watts: p.watts, costUsdPerHour: p.costUsdPerHour, grossUsdPerHour: p.grossUsdPerHour, netUsdPerHour: p.netUsdPerHour }, { costUsd: p.costUsd, grossUsd: p.grossUsd });
      }
      for (const r of protocolRows.rows) {
        const w = n(r.points);
        const averages = { watts: n(r.watts) / w, costUsdPerHour: n(r.cost_rate) / w, grossUsdPerHour: n(r.gross_rate) / w, netUsdPerHour: n(r.net_rate) / w };
        accumulate(protocols, `${n(r.t)}|${String(r.protocol)}`, w, averages, { costUsd: n(r.cost_usd), grossUsd: n(r.gross_usd) });
      }
      const avg = (a: Acc, k: string) => (a[k] ?? 0) / (a.weight || 1);
      return {
        host: [...host]
          .map(([t, a]) => ({ time: Number(t), hostWatts: avg(a, 'hostWatts'), costUsdPerHour: avg(a, 'costUsdPerHour'), grossUsdPerHour: avg(a, 'grossUsdPerHour'), energyKwh: a.energyKwh ?? 0, costUsd: a.costUsd ?? 0, estimated: avg(a, 'estimated') }))
          .sort((a, b) => a.time - b.time),
        protocols: [...protocols]
          .map(([key, a]) => {
            const [t, protocol] = [Number(key.slice(0, key.indexOf('|'))), key.slice(key.indexOf('|') + 1)];
            return { time: t, protocol, watts: avg(a, 'watts'), costUsdPerHour: avg(a, 'costUsdPerHour'), grossUsdPerHour: avg(a, 'grossUsdPerHour'), netUsdPerHour: avg(a, 'netUsdPerHour'), costUsd: a.costUsd ?? 0, grossUsd: a.grossUsd ?? 0 };
          })
          .sort((a, b) => a.time - b.time || a.protocol.localeCompare(b.protocol)),
        meters: raw.meters,
      };
    },
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
