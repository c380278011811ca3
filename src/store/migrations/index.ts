/** The ordered migration set, in code so the build and tests need no file-system scanning. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { OrchaError } from '../../lib/errors.js';
import type { Database } from '../schema.js';
import type { Dialect } from '../types.js';
import { initialMigration } from './001-initial.js';
import { dailyRollupsMigration } from './002-daily-rollups.js';
import { nodeHealthMigration } from './003-node-health.js';
import { notificationOutboxMigration } from './004-notification-outbox.js';
import { energyMigration } from './005-energy.js';
import { fleetMigration } from './006-fleet.js';
import { measuredResourcesMigration } from './007-measured-resources.js';
import { engineStateMigration } from './008-engine-state.js';
import { agentSpoolMigration } from './009-agent-spool.js';
import { leasesMigration } from './010-leases.js';
import { payoutsMigration } from './011-payouts.js';
import { projectedDeltasMigration } from './012-projected-deltas.js';
import { hostPlansMigration } from './013-host-plans.js';
import { fleetRollupsMigration } from './014-fleet-rollups.js';
import { fleetDailyMigration } from './015-fleet-daily.js';
import { fleetSampleFiguresMigration } from './016-fleet-sample-figures.js';
import { hostPlanReplicaMigration } from './017-host-plan-replica.js';
import { agentStatusMigration } from './018-agent-status.js';
import { hostPayoutsMigration } from './019-host-payouts.js';
import { hostEnergyMigration } from './020-host-energy.js';
import { hostPlanEffectsMigration } from './021-host-plan-effects.js';
import { fleetRollupStateMigration } from './022-fleet-rollup-state.js';
import { hostEnergyHourlyMigration } from './023-host-energy-hourly.js';
import { hostPlanRequestsMigration } from './024-host-plan-requests.js';

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initialMigration(dialect),
        '002-daily-rollups': dailyRollupsMigration(dialect),
        '003-node-health': nodeHealthMigration(dialect),
        '004-notification-outbox': notificationOutboxMigration(dialect),
        '005-energy': energyMigration(dialect),
        '006-fleet': fleetMigration(dialect),
        '007-measured-resources': measuredResourcesMigration(dialect),
        '008-engine-state': engineStateMigration(dialect),
        '009-agent-spool': agentSpoolMigration(dialect),
        '010-leases': leasesMigration(dialect),
        '011-payouts': payoutsMigration(dialect),
        '012-projected-deltas': projectedDeltasMigration(),
        '013-host-plans': hostPlansMigration(dialect),
        '014-fleet-rollups': fleetRollupsMigration(dialect),
        '015-fleet-daily': fleetDailyMigration(dialect),
        '016-fleet-sample-figures': fleetSampleFiguresMigration(),
        '017-host-plan-replica': hostPlanReplicaMigration(),
        '018-agent-status': agentStatusMigration(dialect),
        '019-host-payouts': hostPayoutsMigration(dialect),
        '020-host-energy': hostEnergyMigration(dialect),
        '021-host-plan-effects': hostPlanEffectsMigration(),
        '022-fleet-rollup-state': fleetRollupStateMigration(dialect),
        '023-host-energy-hourly': hostEnergyHourlyMigration(dialect),
        '024-host-plan-requests': hostPlanRequestsMigration(),
      };
    },
  };
}

const CATALOG_RACE_CODES = new Set(['3F000', '42703', '42P01']);

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function runMigrations(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every PostgreSQL schema unless told which one: pin the current one so
  // stores in separate schemas of one database (tests, several instances) never see each other's migrations.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  // Migration numbers were handed out per issue (003 node health, 004 outbox, 005 energy) and land in any order: a
  // database that already ran 005 still gets 003.
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: migrationProvider(dialect),
    migrationTableSchema,
    allowUnorderedMigrations: true,
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's migrator first introspects every schema's tables; another instance changing its own schema at that
  // moment (several stores in one database) fails the scan before anything ran: 3F000 when a schema is dropped,
  // 42703 or 42P01 when a column or table goes (the scan asks pg_get_serial_sequence about each column). Nothing was
  // applied: try again.
  const catalogRace = (e: unknown) => CATALOG_RACE_CODES.has(String((e as { code?: string } | undefined)?.code));
  for (let attempt = 1; attempt <= 5 && error && catalogRace(error) && !results?.length; attempt++) {
    await new Promise((r) => setTimeout(r, 50 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new OrchaError('ORCHA_ERR_INTERNAL', `Migration ${failed} failed: ${String((error as Error).message ?? error)}`, undefined, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
