import type { Command } from 'commander';
import { PROTOCOL_TYPES } from '../domain/resources.js';

const actions = () => import('./maintenance.actions.js');

export function registerMaintenanceCommands(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (SQLite or PostgreSQL, from the config)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (opts) => (await actions()).migrate(opts));
  program
    .command('simulate')
    .description('Run the built-in node simulators only')
    .option('--seed <n>', 'seed of the simulated market', '42')
    .option('--types <list>', `comma-separated protocol types (${PROTOCOL_TYPES.join(', ')})`)
    .option('--json', 'machine-readable output')
    .action(async (opts) => (await actions()).simulate(opts));
}
