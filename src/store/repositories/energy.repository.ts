/** Energy time series (migration 005): meter readings, host points and per-protocol points. Times are epoch ms. */
import { type Kysely, sql } from 'kysely';

interface EnergyTables {
  energy_meter_readings: { meter: string; time: number; watts: number; energy_kwh: number | null };
  energy_points: {
    time: number;
    interval_ms: number;
    host_watts: number;
    price_per_kwh: number;
    usd_per_kwh: number;
    cost_usd_per_hour: number;
    gross_usd_per_hour: number;
    energy_kwh: number;
    cost_usd: number;
    estimated: number;
  };
  energy_protocol_points: {
    protocol: string;
    time: number;
    watts: number;
    cost_usd_per_hour: number;
    gross_usd_per_hour: number;
    net_usd_per_hour: number;
    energy_kwh: number;
    cost_usd: number;
    gross_usd: number;
    estimated: number;
  };
}

export interface EnergyHostPoint {
  time: number;
  intervalMs: number;
  hostWatts: number;
  pricePerKwh: number;
  usdPerKwh: number;
  costUsdPerHour: number;
  grossUsdPerHour: number;
  /** kWh drawn over the interval before `time`. */
  energyKwh: number;
  costUsd: number;
  estimated: boolean;
}

export interface EnergyProtocolPoint {
  protocol: string;
  time: number;
  watts: number;
  costUsdPerHour: number;
  grossUsdPerHour: number;
  netUsdPerHour: number;
  energyKwh: number;
  costUsd: number;
  grossUsd: number;
  estimated: boolean;
}

export interface MeterReadingPoint {
  meter: string;
  time: number;
  watts: number;
  energyKwh: number | null;
}

/** A bucket of history: averages of rates, sums of amounts; `estimated` is the fraction of estimated points. */
export interface EnergyHistory {
  host: { time: number; hostWatts: number; costUsdPerHour: number; grossUsdPerHour: number; energyKwh: number; costUsd: number; estimated: number }[];
  protocols: { time: number; protocol: string; watts: number; costUsdPerHour: number; grossUsdPerHour: number; netUsdPerHour: number; costUsd: number; grossUsd: number }[];
  meters: { time: number; meter: string; watts: number; energyKwh: number | null }[];
}

/** One stored per-protocol energy point with the window it closes: (time - intervalMs, time]. */
export interface EnergyWindow {
  protocol: string;
  time: number;
  intervalMs: number;
  /** Instantaneous figures at `time`. */
  watts: number;
  costUsdPerHour: number;
  /** Amounts over the window. */
  energyKwh: number;
  costUsd: number;
  estimated: boolean;
}

export interface EnergyTotal {
  protocol: string;
  energyKwh: number;
  costUsd: number;
  grossUsd: number;
  /** Time covered by the points, ms. */
  coveredMs: number;
  firstTime: number;
  estimatedPoints: number;
  points: number;
}

export interface EnergyRepository {
  record(point: { host: EnergyHostPoint; protocols: EnergyProtocolPoint[]; meters: MeterReadingPoint[] }): Promise<void>;
  history(query: { from: number; to: number; stepMs: number; protocol?: string }): Promise<EnergyHistory>;
  /** Per protocol, over [from, to]. */
  totals(range: { from: number; to: number }): Promise<EnergyTotal[]>;
  /** Host totals over [from, to]. */
  hostTotals(range: { from: number; to: number }): Promise<{ energyKwh: number; costUsd: number; estimatedPoints: number; points: number }>;
  /**
   * The per-protocol windows that hold any moment of [from, to], oldest first: those closing within it, and the ones
   * closing next after it (the window `to` lies in).
   */
  windows(range: { from: number; to: number; protocol?: string }): Promise<EnergyWindow[]>;
  /** Delete points before `time`; returns rows removed. */
  prune(before: number): Promise<number>;
}

const n = (v: unknown): number => Number(v ?? 0);

export function createEnergyRepository(database: Kysely<unknown>): EnergyRepository {
  const db = database as unknown as Kysely<EnergyTables>;
  return {
    async record({ host, protocols, meters }) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('energy_points')
          .values({
            time: host.time,
            interval_ms: host.intervalMs,
            host_watts: host.hostWatts,
            price_per_kwh: host.pricePerKwh,
            usd_per_kwh: host.usdPerKwh,
            cost_usd_per_hour: host.costUsdPerHour,
            gross_usd_per_hour: host.grossUsdPerHour,
            energy_kwh: host.energyKwh,
            cost_usd: host.costUsd,
            estimated: host.estimated ? 1 : 0,
          })
          .onConflict((oc) => oc.column('time').doNothing())
          .execute();
        if (protocols.length > 0) {
          await tx
            .insertInto('energy_protocol_points')
            .values(
              protocols.map((p) => ({
                protocol: p.protocol,
                time: p.time,
                watts: p.watts,
                cost_usd_per_hour: p.costUsdPerHour,
                gross_usd_per_hour: p.grossUsdPerHour,
                net_usd_per_hour: p.netUsdPerHour,
                energy_kwh: p.energyKwh,
                cost_usd: p.costUsd,
                gross_usd: p.grossUsd,
                estimated: p.estimated ? 1 : 0,
              })),
            )
            .onConflict((oc) => oc.columns(['protocol', 'time']).doNothing())
            .execute();
        }
        if (meters.length > 0) {
          await tx
            .insertInto('energy_meter_readings')
            .values(meters.map((m) => ({ meter: m.meter, time: m.time, watts: m.watts, energy_kwh: m.energyKwh })))
            .onConflict((oc) => oc.columns(['meter', 'time']).doNothing())
            .execute();
        }
      });
    },

    async history({ from, to, stepMs, protocol }) {
      const step = Math.max(1, Math.floor(stepMs));
      // Integer division on integer columns in both dialects: the bucket start.
      const bucket = sql<number>`(time / ${sql.lit(step)}) * ${sql.lit(step)}`;
      const host = await db
        .selectFrom('energy_points')
        .select([
          bucket.as('t'),
          sql<number>`avg(host_watts)`.as('host_watts'),
          sql<number>`avg(cost_usd_per_hour)`.as('cost_usd_per_hour'),
          sql<number>`avg(gross_usd_per_hour)`.as('gross_usd_per_hour'),
          sql<number>`sum(energy_kwh)`.as('energy_kwh'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`avg(estimated)`.as('estimated'),
        ])
        .where('time', '>=', from)
        .where('time', '<=', to)
        .groupBy('t')
        .orderBy('t')
        .execute();
      let pq = db
        .selectFrom('energy_protocol_points')
        .select([
          bucket.as('t'),
          'protocol',
          sql<number>`avg(watts)`.as('watts'),
          sql<number>`avg(cost_usd_per_hour)`.as('cost_usd_per_hour'),
          sql<number>`avg(gross_usd_per_hour)`.as('gross_usd_per_hour'),
          sql<number>`avg(net_usd_per_hour)`.as('net_usd_per_hour'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`sum(gross_usd)`.as('gross_usd'),
        ])
        .where('time', '>=', from)
        .where('time', '<=', to);
      if (protocol) pq = pq.where('protocol', '=', protocol);
      const protocols = await pq.groupBy(['t', 'protocol']).orderBy('t').orderBy('protocol').execute();
      const meters = await db
        .selectFrom('energy_meter_readings')
        .select([bucket.as('t'), 'meter', sql<number>`avg(watts)`.as('watts'), sql<number | null>`max(energy_kwh)`.as('energy_kwh')])
        .where('time', '>=', from)
        .where('time', '<=', to)
        .groupBy(['t', 'meter'])
        .orderBy('t')
        .orderBy('meter')
        .execute();
      return {
        host: host.map((r) => ({
          time: n(r.t),
          hostWatts: n(r.host_watts),
          costUsdPerHour: n(r.cost_usd_per_hour),
          grossUsdPerHour: n(r.gross_usd_per_hour),
          energyKwh: n(r.energy_kwh),
          costUsd: n(r.cost_usd),
          estimated: n(r.estimated),
        })),
        protocols: protocols.map((r) => ({
          time: n(r.t),
          protocol: r.protocol,
          watts: n(r.watts),
          costUsdPerHour: n(r.cost_usd_per_hour),
          grossUsdPerHour: n(r.gross_usd_per_hour),
          netUsdPerHour: n(r.net_usd_per_hour),
          costUsd: n(r.cost_usd),
          grossUsd: n(r.gross_usd),
        })),
        meters: meters.map((r) => ({ time: n(r.t), meter: r.meter, watts: n(r.watts), energyKwh: r.energy_kwh === null ? null : n(r.energy_kwh) })),
      };
    },

    async windows({ from, to, protocol }) {
      const next = await db.selectFrom('energy_points').select(sql<number | null>`min(time)`.as('t')).where('time', '>', to).executeTakeFirst();
      const until = next?.t == null ? to : n(next.t);
      let q = db
        .selectFrom('energy_protocol_points as p')
        .innerJoin('energy_points as h', 'h.time', 'p.time')
        .select(['p.protocol', 'p.time', 'h.interval_ms', 'p.watts', 'p.cost_usd_per_hour', 'p.energy_kwh', 'p.cost_usd', 'p.estimated'])
        .where('p.time', '>=', from)
        .where('p.time', '<=', until);
      if (protocol) q = q.where('p.protocol', '=', protocol);
      const rows = await q.orderBy('p.time').orderBy('p.protocol').execute();
      return rows.map((r) => ({
        protocol: r.protocol,
        time: n(r.time),
        intervalMs: n(r.interval_ms),
        watts: n(r.watts),
        costUsdPerHour: n(r.cost_usd_per_hour),
        energyKwh: n(r.energy_kwh),
        costUsd: n(r.cost_usd),
        estimated: n(r.estimated) > 0,
      }));
    },

    async totals({ from, to }) {
      const rows = await db
        .selectFrom('energy_protocol_points as p')
        .innerJoin('energy_points as h', 'h.time', 'p.time')
        .select([
          'p.protocol',
          sql<number>`sum(p.energy_kwh)`.as('energy_kwh'),
          sql<number>`sum(p.cost_usd)`.as('cost_usd'),
          sql<number>`sum(p.gross_usd)`.as('gross_usd'),
          sql<number>`sum(h.interval_ms)`.as('covered'),
          sql<number>`min(p.time)`.as('first'),
          sql<number>`sum(p.estimated)`.as('estimated'),
          sql<number>`count(*)`.as('points'),
        ])
        .where('p.time', '>=', from)
        .where('p.time', '<=', to)
        .groupBy('p.protocol')
        .orderBy('p.protocol')
        .execute();
      return rows.map((r) => ({
        protocol: r.protocol,
        energyKwh: n(r.energy_kwh),
        costUsd: n(r.cost_usd),
        grossUsd: n(r.gross_usd),
        coveredMs: n(r.covered),
        firstTime: n(r.first),
        estimatedPoints: n(r.estimated),
        points: n(r.points),
      }));
    },

    async hostTotals({ from, to }) {
      const r = await db
        .selectFrom('energy_points')
        .select([
          sql<number>`sum(energy_kwh)`.as('energy_kwh'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`sum(estimated)`.as('estimated'),
          sql<number>`count(*)`.as('points'),
        ])
        .where('time', '>=', from)
        .where('time', '<=', to)
        .executeTakeFirst();
      return { energyKwh: n(r?.energy_kwh), costUsd: n(r?.cost_usd), estimatedPoints: n(r?.estimated), points: n(r?.points) };
    },

    async prune(before) {
      let removed = 0;
      for (const table of ['energy_protocol_points', 'energy_points', 'energy_meter_readings'] as const) {
        const res = await db.deleteFrom(table).where('time', '<', before).executeTakeFirst();
        removed += Number(res.numDeletedRows ?? 0);
      }
      return removed;
    },
  };
}
