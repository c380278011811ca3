import type { Config } from '../../config/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { FleetRetentionResult, FleetRollups } from '../../store/repositories/fleet-rollups.js';
import type { HostEnergyRepository } from '../../store/repositories/host-energy.repository.js';

const DAY = 86_400_000;

export interface FleetRetentionDeps {
  rollups: Pick<FleetRollups, 'rollupAndDeleteRawBefore' | 'deleteRollupsBefore' | 'deleteBatchesBefore'>;
  /** Fleet hosts' energy points: kept `rawDays`, then rolled up hourly (migration 023) and deleted. */
  energy?: Pick<HostEnergyRepository, 'prune' | 'deleteRollupsBefore'>;
  clock: Clock;
  log: Logger;
  getConfig: () => Config;
}

/**
 * `storage.retention` applied to remote hosts' rows, as to the local ones: each host's hours are rolled up as they
 * close (reads then take closed hours from the rollups), raw rows older than `rawDays` deleted (no sample leaves
 * before its hour's summary holds it), hourly rollups older than
 * `rollupDays` deleted, hosts' energy points older than `rawDays` rolled up hourly and deleted (their rollups after `rollupDays`), and the record of batches older than `rawDays` (the ids that make a resent batch a
 * duplicate: their snapshots are past the raw window by then).
 */
export function createFleetRetentionJob(deps: FleetRetentionDeps) {
  const log = deps.log.child({ module: 'fleet-retention' });

  async function run(): Promise<FleetRetentionResult> {
    const { rawDays, rollupDays } = deps.getConfig().storage.retention;
    const now = deps.clock.now();
    const { rollupRows, rawDeleted } = await deps.rollups.rollupAndDeleteRawBefore(now - rawDays * DAY, now);
    const rollupsDeleted = await deps.rollups.deleteRollupsBefore(now - rollupDays * DAY);
    const batchesDeleted = await deps.rollups.deleteBatchesBefore(now - rawDays * DAY);
    const energyDeleted = (await deps.energy?.prune(now - rawDays * DAY)) ?? 0;
    await deps.energy?.deleteRollupsBefore(now - rollupDays * DAY);
    if (rawDeleted > 0 || rollupsDeleted > 0 || energyDeleted > 0) {
      log.info({ rollupRows, rawDeleted, rollupsDeleted, batchesDeleted, energyDeleted }, 'fleet retention applied');
    }
    return { rollupRows, rawDeleted, rollupsDeleted, batchesDeleted };
  }

  return { run };
}
