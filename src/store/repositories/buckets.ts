/** Time buckets in SQL, the same on both dialects. */
import { type RawBuilder, sql } from 'kysely';

/** Integer bucket start: (t / step) * step, with the step cast so both dialects divide as integers. */
export function bucketOf(column: 'time' | 'hour' | 'day', stepMs: number | undefined): RawBuilder<number> {
  if (stepMs === undefined) return sql<number>`${sql.ref(column)}`;
  return sql<number>`(${sql.ref(column)} / cast(${stepMs} as bigint)) * cast(${stepMs} as bigint)`;
}
