/**
 * A remote host's raw protocol samples averaged per bucket in the database (a step was asked for): one row per bucket
 * and protocol comes back instead of every sample, whose JSON would otherwise be parsed in Node. Every figure has a
 * column (016); rows written before have some in their JSON only, read from there (fleet-sample-codec.ts). Averages
 * of measured figures (CPU, memory, bandwidth of a container) count the samples that measured them only, null when
 * none did.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Dialect, HistoryQuery, ProtocolPoint } from '../types.js';
import { figureSql } from './fleet-sample-codec.js';

/** Point field -> [column (016), path in the JSON of rows written before]. Fixed names, never input. */
const FIGURES = {
  uptime: ['uptime', 'uptime'],
  storageBytes: ['storage_bytes', 'storageBytes'],
  allocCpu: ['alloc_cpu', 'allocation.cpu'],
  allocMemory: ['alloc_memory', 'allocation.memory'],
  allocBandwidth: ['alloc_bandwidth', 'allocation.bandwidth'],
  allocStorage: ['alloc_storage', 'allocation.storage'],
} as const;
const MEASURED = {
  cpuPercent: ['cpu_percent', 'cpuPercent'],
  memoryBytes: ['memory_bytes', 'memoryBytes'],
  bandwidthBytesPerSec: ['bandwidth_bps', 'bandwidthBytesPerSec'],
} as const;

export async function protocolBuckets(db: Kysely<unknown>, dialect: Dialect, hostId: string, q: HistoryQuery & { stepMs: number }): Promise<ProtocolPoint[]> {
  const figure = ([column, path]: readonly [string, string]): RawBuilder<unknown> =>
    sql.raw(
      figureSql(
        column,
        dialect === 'postgres'
          ? `(sample_json::jsonb #>> '{${path.split('.').join(',')}}')::double precision`
          : `json_extract(sample_json, '$.${path}')`,
      ),
    );
  const step = sql.raw(`cast(${Math.floor(q.stepMs)} as bigint)`);
  const only = q.protocol === undefined ? sql`` : sql`and protocol = ${q.protocol}`;
  const averages = Object.values(FIGURES).map((f, i) => sql`coalesce(avg(${figure(f)}), 0) as ${sql.raw(`a${i}`)}`);
  const measured = Object.values(MEASURED).map((f, i) => sql`avg(${figure(f)}) as ${sql.raw(`m${i}`)}`);
  const r = await sql<Record<string, unknown>>`select protocol, (time / ${step}) * ${step} as bucket, count(*) as samples,
      avg(usd_per_hour) as usd, sum(earned_usd) as earned, sum(earned_tokens) as tokens, avg(connected) as connected,
      ${sql.join(averages)}, ${sql.join(measured)}
    from host_protocol_samples where host_id = ${hostId} and time >= ${q.from} and time <= ${q.to} ${only}
    group by protocol, bucket order by bucket, protocol`.execute(db);
  const n = (v: unknown) => Number(v ?? 0);
  const nOrNull = (v: unknown) => (v == null ? null : Number(v));
  return r.rows.map((row) => {
    const fromJson = Object.fromEntries(Object.keys(FIGURES).map((k, i) => [k, n(row[`a${i}`])])) as Record<keyof typeof FIGURES, number>;
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
