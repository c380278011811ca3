/**
 * createStore: the one way to open orcha's database. SQLite (default) or PostgreSQL (`url`), migrated on open unless
 * `migrate: false`, repositories for every aggregate, closed by `close()`.
 */
import { sql } from 'kysely';
import { OrchaError } from '../lib/errors.js';
import { openPostgres, openSqlite } from './database.js';
import { runMigrations } from './migrations/index.js';
import { createAlertsRepository } from './repositories/alerts.repository.js';
import { createAuditRepository } from './repositories/audit.repository.js';
import { createEngineStateRepository } from './repositories/engine-state.repository.js';
import { createEnergyRepository } from './repositories/energy.repository.js';
import { createFleetRepository } from './repositories/fleet.repository.js';
import { createHostEnergyRepository } from './repositories/host-energy.repository.js';
import { withFleetRollups } from './repositories/fleet-history.js';
import { createFleetRollups } from './repositories/fleet-rollups.js';
import { createLeaseRepository } from './repositories/leases.repository.js';
import { createHostPlansRepository } from './repositories/host-plans.repository.js';
import { createHostReadsRepository } from './repositories/host-reads.repository.js';
import { createFetchRows } from './repositories/fetch-rows.js';
import { createMetricsRepository } from './repositories/metrics.repository.js';
import { createLedgerRepository, createNodeHealthRepository } from './repositories/node-health.repository.js';
import { createNotificationOutboxRepository } from './repositories/notifications.repository.js';
import { createOperationsRepository } from './repositories/operations.repository.js';
import { createSqliteBulkInsert } from './repositories/sqlite-ingest.js';
import { createReallocationsRepository } from './repositories/reallocations.repository.js';
import { createUsersRepository } from './repositories/users.repository.js';
import type { Store, StoreOptions } from './types.js';

export type * from './types.js';

/** Where the SQLite file lives when nothing else is configured (SPEC §4). */
export const DEFAULT_SQLITE_PATH = './data/orcha.db';

export async function createStore(options: StoreOptions): Promise<Store> {
  const opened = options.url ? await openPostgres(options.url) : openSqlite(options.sqlitePath ?? DEFAULT_SQLITE_PATH);
  const { db, dialect } = opened;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
  };

  const migrate = () => runMigrations(db, dialect);
  try {
    await sql`select 1`.execute(db);
    if (options.migrate !== false) await migrate();
  } catch (err) {
    await close().catch(() => {});
    if (err instanceof OrchaError) throw err;
    const where = options.url ? 'PostgreSQL' : `SQLite file ${options.sqlitePath ?? DEFAULT_SQLITE_PATH}`;
    throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `Cannot open the database (${where}): ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }

  const fleetRollups = createFleetRollups(db as never, dialect);
  return {
    dialect,
    metrics: createMetricsRepository(db, {
      bulkInsert: opened.sqlite ? createSqliteBulkInsert(db, opened.sqlite) : undefined,
      fetchRows: createFetchRows(db, opened.sqlite),
    }),
    reallocations: createReallocationsRepository(db),
    alerts: createAlertsRepository(db),
    operations: createOperationsRepository(db),
    users: createUsersRepository(db),
    audit: createAuditRepository(db),
    notifications: createNotificationOutboxRepository(db),
    energy: createEnergyRepository(db as never),
    fleet: withFleetRollups(createFleetRepository(db as never, dialect), fleetRollups),
    fleetRollups,
    hostEnergy: createHostEnergyRepository(db as never, dialect),
    engineState: createEngineStateRepository(db),
    leases: createLeaseRepository(db as never),
    hostPlans: createHostPlansRepository(db as never),
    hostReads: createHostReadsRepository(db as never, dialect),
    nodeHealth: createNodeHealthRepository(db as never),
    ledgers: createLedgerRepository(db as never),
    migrate,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close,
  };
}
