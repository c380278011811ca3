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

/** PostgreSQL reads the JSON once per row into typed fields (twice as fast as a jsonb path per figure). */
const PG_RECORD =
  'json_to_record(sample_json::json) as r(uptime double precision, "storageBytes" double precision, "cpuPercent" double precision, ' +
  '"memoryBytes" double precision, "bandwidthBytesPerSec" double precision, allocation json)';

export async function protocolBuckets(db: Kysely<unknown>, dialect: Dialect, hostId: string, q: HistoryQuery & { stepMs: number }): Promise<ProtocolPoint[]> {
  const json = (path: string): RawBuilder<unknown> => {
    if (dialect !== 'postgres') return sql.raw(`json_extract(sample_json, '$.${path}')`);
    const [head, tail] = path.split('.');
    return sql.raw(tail ? `(r.${head}->>'${tail}')::double precision` : `r."${head}"`);
  };
  const from = dialect === 'postgres' ? sql.raw(`host_protocol_samples, ${PG_RECORD}`) : sql.raw('host_protocol_samples');
  const step = sql.raw(`cast(${Math.floor(q.stepMs)} as bigint)`);
  const only = q.protocol === undefined ? sql`` : sql`and protocol = ${q.protocol}`;
  const averages = Object.values(FROM_JSON).map((path, i) => sql`coalesce(avg(${json(path)}), 0) as ${sql.raw(`a${i}`)}`);
  const measured = Object.values(MEASURED).map((path, i) => sql`avg(${json(path)}) as ${sql.raw(`m${i}`)}`);
  const r = await sql<Record<string, unknown>>`select protocol, (time / ${step}) * ${step} as bucket, count(*) as samples,
      avg(usd_per_hour) as usd, sum(earned_usd) as earned, sum(earned_tokens) as tokens, avg(connected) as connected,
      ${sql.join(averages)}, ${sql.join(measured)}
    from ${from} where host_id = ${hostId} and time >= ${q.from} and time <= ${q.to} ${only}
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
