import type { Config } from '../../config/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { MetricsRepository, NodeHealthRepository } from '../../store/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface RetentionResult {
  rollupRows: number;
  rawDeleted: number;
  rollupsDeleted: number;
  healthDeleted: number;
}

export interface RetentionDeps {
  metrics: MetricsRepository;
  /** Node health changes (one row per change; a busy Mysterium node's session count changes often): kept as long as rollups. */
  health?: Pick<NodeHealthRepository, 'deleteBefore'>;
  clock: Clock;
  log: Logger;
  getConfig: () => Config;
}

/**
 * Rollup, then delete: whole hours are rolled up before the raw samples they summarize can expire. The first
 * run covers all raw rows (a previous process may have stopped before rolling up its last hours; rollup is
 * idempotent), later runs only the hours since the previous one.
 */
export function createRetentionJob(deps: RetentionDeps) {
  const log = deps.log.child({ module: 'retention' });
  let rolledUpTo: number | null = null;

  async function run(): Promise<RetentionResult> {
    const { rawDays, rollupDays } = deps.getConfig().storage.retention;
    const now = deps.clock.now();
    const hourEnd = Math.floor(now / HOUR) * HOUR;
    const rawCutoff = now - rawDays * DAY;
    // First run: from the oldest raw row (the store starts there), since everything before the cutoff goes next.
    const from = rolledUpTo ?? 0;
    const rollupRows = from < hourEnd ? await deps.metrics.rollup({ from, to: hourEnd }) : 0;
    rolledUpTo = hourEnd;
    // Raw rows go only up to a whole hour that is rolled up, so no sample leaves before its hour's summary exists.
    const rawDeleted = await deps.metrics.deleteRawBefore(Math.min(Math.floor(rawCutoff / HOUR) * HOUR, hourEnd));
    const rollupsDeleted = await deps.metrics.deleteRollupsBefore(now - rollupDays * DAY);
    const healthDeleted = deps.health ? await deps.health.deleteBefore(now - rollupDays * DAY) : 0;
    if (rawDeleted > 0 || rollupsDeleted > 0 || healthDeleted > 0) log.info({ rollupRows, rawDeleted, rollupsDeleted, healthDeleted }, 'retention applied');
    return { rollupRows, rawDeleted, rollupsDeleted, healthDeleted };
  }

  return { run };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
