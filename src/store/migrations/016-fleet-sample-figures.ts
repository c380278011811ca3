/**
 * A remote host's protocol samples keep their numeric figures in columns (uptime, stored bytes, the allocation, the
 * measured container figures) instead of in the sample JSON, so history reads and rollups average them in the
 * database without parsing JSON: a day-step read of the raw window was dominated by that parsing. Rows written
 * before keep them in the JSON (their `uptime` column is NULL): readers fall back to it (fleet-sample-codec.ts).
 */
import type { Kysely, Migration } from 'kysely';

export const SAMPLE_FIGURE_COLUMNS = [
  'uptime', 'storage_bytes', 'alloc_cpu', 'alloc_memory', 'alloc_bandwidth', 'alloc_storage', 'cpu_percent', 'memory_bytes', 'bandwidth_bps',
] as const;

export function fleetSampleFiguresMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const c of SAMPLE_FIGURE_COLUMNS) await db.schema.alterTable('host_protocol_samples').addColumn(c, 'double precision').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const c of SAMPLE_FIGURE_COLUMNS) await db.schema.alterTable('host_protocol_samples').dropColumn(c).execute();
    },
  };
}
