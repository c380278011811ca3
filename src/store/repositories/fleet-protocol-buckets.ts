/**
 * A remote host's raw protocol samples averaged per bucket in the database (a step was asked for): one row per bucket
 * and protocol comes back instead of every sample, whose JSON would otherwise be parsed in Node. The figures without
 * a column of their own are read from the stored sample JSON (fleet-sample-codec.ts); averages of measured figures
 * (CPU, memory, bandwidth of a container) count the samples that measured them only, null when none did.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Dialect, HistoryQuery, ProtocolPoint } from '../types.js';

/** Point field -> path in the sample JSON. Fixed names, never input. */
const FROM_JSON = {
  uptime: 'uptime',
  storageBytes: 'storageBytes',
  allocCpu: 'allocation.cpu',
  allocMemory: 'allocation.memory',
  allocBandwidth: 'allocation.bandwidth',
  allocStorage: 'allocation.storage',
} as const;
const MEASURED = { cpuPercent: 'cpuPercent', memoryBytes: 'memoryBytes', bandwidthBytesPerSec: 'bandwidthBytesPerSec' } as const;

export async function protocolBuckets(db: Kysely<unknown>, dialect: Dialect, hostId: string, q: HistoryQuery & { stepMs: number }): Promise<ProtocolPoint[]> {
  // PostgreSQL parses each row's JSON once in the inner select; SQLite reads paths straight from the text.
  const json = (path: string): RawBuilder<unknown> =>
    dialect === 'postgres' ? sql.raw(`(j #>> '{${path.split('.').join(',')}}')::double precision`) : sql.raw(`json_extract(j, '$.${path}')`);
  const jsonColumn = dialect === 'postgres' ? sql.raw('sample_json::jsonb as j') : sql.raw('sample_json as j');
  // `offset 0` keeps PostgreSQL from folding the inner select into the outer one, which would parse the JSON once
  // per figure instead of once per row (9 times slower).
  const fence = dialect === 'postgres' ? sql.raw('offset 0') : sql``;
  const step = sql.raw(`cast(${Math.floor(q.stepMs)} as bigint)`);
  const only = q.protocol === undefined ? sql`` : sql`and protocol = ${q.protocol}`;
  const averages = Object.values(FROM_JSON).map((path) => sql`coalesce(avg(${json(path)}), 0)`);
  const measured = Object.values(MEASURED).map((path) => sql`avg(${json(path)})`);
  const r = await sql<Record<string, unknown>>`select protocol, (time / ${step}) * ${step} as bucket, count(*) as samples,
      avg(usd_per_hour) as usd, sum(earned_usd) as earned, sum(earned_tokens) as tokens, avg(connected) as connected,
      ${sql.join(averages.map((a, i) => sql`${a} as a${sql.raw(String(i))}`))},
      ${sql.join(measured.map((m, i) => sql`${m} as m${sql.raw(String(i))}`))}
    from (select time, protocol, usd_per_hour, earned_usd, earned_tokens, connected, ${jsonColumn} from host_protocol_samples
      where host_id = ${hostId} and time >= ${q.from} and time <= ${q.to} ${only} ${fence}) s
    group by protocol, bucket order by bucket, protocol`.execute(db);
  const n = (v: unknown) => Number(v ?? 0);
  const nOrNull = (v: unknown) => (v == null ? null : Number(v));
  return r.rows.map((row) => {
    const fromJson = Object.fromEntries(Object.keys(FROM_JSON).map((k, i) => [k, n(row[`a${i}`])])) as Record<keyof typeof FROM_JSON, number>;
    const fromMeasured = Object.fromEntries(Object.keys(MEASURED).map((k, i) => [k, nOrNull(row[`m${i}`])])) as Record<keyof typeof MEASURED, number | null>;
    return {
      time: n(row.bucket),
      protocol: String(row.protocol),
      usdPerHour: n(row.usd),
      earnedUsd: n(row.earned),
      earnedTokens: n(row.tokens),
      connected: n(row.connected),
      ...fromJson,
      ...fromMeasured,
      samples: n(row.samples),
    };
  });
}
