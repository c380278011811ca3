/**
 * Energy time series: meter readings, host points and per-protocol points. Times are epoch ms. This machine's are in
 * migration 005's tables; a fleet host's, as its agent sent them, in migration 020's, which add the host's id to each
 * key: the same repository reads either (`scope`), so a fleet host's history, totals and report are this machine's
 * queries over its rows.
 */
import { type JoinBuilder, type Kysely, sql } from 'kysely';

/** Column names are the same in both table sets; `host_id` only exists (and is only read) in the fleet hosts' set. */
interface EnergyTables {
  energy_meter_readings: { host_id: string | null; meter: string; time: number; watts: number; energy_kwh: number | null };
  energy_points: {
    host_id: string | null;
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
    host_id: string | null;
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

/** What one stored point is: the host's figures, each protocol's, and the meters' readings behind them. */
export interface EnergyRecord {
  host: EnergyHostPoint;
  protocols: EnergyProtocolPoint[];
  meters: MeterReadingPoint[];
}

export interface EnergyRepository {
  record(point: EnergyRecord): Promise<void>;
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

/** The two tables a protocol point and its host point are joined from, by alias. */
type JoinDb = { p: EnergyTables['energy_protocol_points']; h: EnergyTables['energy_points'] };

/** This machine's tables, or (with a host id) a fleet host's rows in migration 020's tables. */
export interface EnergyScope {
  hostId: string;
}

const LOCAL_TABLES = { points: 'energy_points', protocols: 'energy_protocol_points', meters: 'energy_meter_readings' } as const;
type TableNames = typeof LOCAL_TABLES;
// The same columns plus host_id: queried through the local tables' types, the names swapped at run time.
const HOST_TABLES = { points: 'host_energy_points', protocols: 'host_energy_protocol_points', meters: 'host_energy_meter_readings' } as unknown as TableNames;

/**
 * Writes one point (host, protocols, meters) inside the caller's transaction; a point already stored at that time
 * (per host and protocol or meter) is kept as it was, so a replay adds nothing.
 */
export async function insertEnergyRecord(database: Kysely<unknown>, record: EnergyRecord, scope?: EnergyScope): Promise<void> {
  const tx = database as unknown as Kysely<EnergyTables>;
  const t = scope ? HOST_TABLES : LOCAL_TABLES;
  const hostId = scope ? { host_id: scope.hostId } : {};
  const key = (...columns: string[]) => (scope ? ['host_id', ...columns] : columns) as 'time'[];
  const { host, protocols, meters } = record;
  await tx
    .insertInto(t.points)
    .values({
      ...hostId,
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
    .onConflict((oc) => oc.columns(key('time')).doNothing())
    .execute();
  if (protocols.length > 0) {
    await tx
      .insertInto(t.protocols)
      .values(
        protocols.map((p) => ({
          ...hostId,
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
      .onConflict((oc) => oc.columns(key('protocol', 'time')).doNothing())
      .execute();
  }
  if (meters.length > 0) {
    await tx
      .insertInto(t.meters)
      .values(meters.map((m) => ({ ...hostId, meter: m.meter, time: m.time, watts: m.watts, energy_kwh: m.energyKwh })))
      .onConflict((oc) => oc.columns(key('meter', 'time')).doNothing())
      .execute();
  }
}

export function createEnergyRepository(database: Kysely<unknown>, scope?: EnergyScope): EnergyRepository {
  const db = database as unknown as Kysely<EnergyTables>;
  const t = scope ? HOST_TABLES : LOCAL_TABLES;
  const hostId = scope?.hostId ?? null;
  // Aliased names for joins, typed as the local ones.
  const pAs = `${t.protocols} as p` as 'energy_protocol_points as p';
  const hAs = `${t.points} as h` as 'energy_points as h';
  // A protocol point's host point: same time (and, for a fleet host, same host).
  const joinPoints = (j: JoinBuilder<JoinDb, 'p' | 'h'>) => {
    const on = j.onRef('h.time', '=', 'p.time');
    return hostId === null ? on : on.onRef('h.host_id', '=', 'p.host_id');
  };
  return {
    async record(point) {
      await db.transaction().execute((tx) => insertEnergyRecord(tx as never, point, scope));
    },

    async history({ from, to, stepMs, protocol }) {
      const step = Math.max(1, Math.floor(stepMs));
      // Integer division on integer columns in both dialects: the bucket start.
      const bucket = sql<number>`(time / ${sql.lit(step)}) * ${sql.lit(step)}`;
      const host = await db
        .selectFrom(t.points)
        .select([
          bucket.as('t'),
          sql<number>`avg(host_watts)`.as('host_watts'),
          sql<number>`avg(cost_usd_per_hour)`.as('cost_usd_per_hour'),
          sql<number>`avg(gross_usd_per_hour)`.as('gross_usd_per_hour'),
          sql<number>`sum(energy_kwh)`.as('energy_kwh'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`avg(estimated)`.as('estimated'),
        ])
        .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
        .where('time', '>=', from)
        .where('time', '<=', to)
        .groupBy('t')
        .orderBy('t')
        .execute();
      let pq = db
        .selectFrom(t.protocols)
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
        .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
        .where('time', '>=', from)
        .where('time', '<=', to);
      if (protocol) pq = pq.where('protocol', '=', protocol);
      const protocols = await pq.groupBy(['t', 'protocol']).orderBy('t').orderBy('protocol').execute();
      const meters = await db
        .selectFrom(t.meters)
        .select([bucket.as('t'), 'meter', sql<number>`avg(watts)`.as('watts'), sql<number | null>`max(energy_kwh)`.as('energy_kwh')])
        .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
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
      const next = await db
        .selectFrom(t.points)
        .select(sql<number | null>`min(time)`.as('t'))
        .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
        .where('time', '>', to)
        .executeTakeFirst();
      const until = next?.t == null ? to : n(next.t);
      let q = db
        .selectFrom(pAs)
        .innerJoin(hAs, joinPoints)
        .select(['p.protocol', 'p.time', 'h.interval_ms', 'p.watts', 'p.cost_usd_per_hour', 'p.energy_kwh', 'p.cost_usd', 'p.estimated'])
        .$if(hostId !== null, (x) => x.where('p.host_id', '=', hostId))
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
        .selectFrom(pAs)
        .innerJoin(hAs, joinPoints)
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
        .$if(hostId !== null, (x) => x.where('p.host_id', '=', hostId))
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
        .selectFrom(t.points)
        .select([
          sql<number>`sum(energy_kwh)`.as('energy_kwh'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`sum(estimated)`.as('estimated'),
          sql<number>`count(*)`.as('points'),
        ])
        .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
        .where('time', '>=', from)
        .where('time', '<=', to)
        .executeTakeFirst();
      return { energyKwh: n(r?.energy_kwh), costUsd: n(r?.cost_usd), estimatedPoints: n(r?.estimated), points: n(r?.points) };
    },

    async prune(before) {
      let removed = 0;
      for (const table of [t.protocols, t.points, t.meters]) {
        const res = await db
          .deleteFrom(table)
          .where('time', '<', before)
          .$if(hostId !== null, (q) => q.where('host_id', '=', hostId))
          .executeTakeFirst();
        removed += Number(res.numDeletedRows ?? 0);
      }
      return removed;
    },
  };
}
