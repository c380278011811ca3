import type { Command } from 'commander';
import { type FieldError, isOrchaError } from '../lib/errors.js';
import { EXIT } from './exit-codes.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Work with the configuration file');
  config
    .command('validate')
    .description('Validate a config file (and ORCHA_* variables) without starting; exit 2 when invalid')
    .argument('[file]', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      const { formatFieldErrors, loadConfig } = await import('../config/load.js');
      try {
        const loaded = loadConfig(file);
        const where = loaded.path ?? '(defaults and environment)';
        if (opts.json) console.log(JSON.stringify({ valid: true, file: loaded.path, errors: [] }));
        else console.log(`${where}: valid (${loaded.config.protocols.length} protocols)`);
      } catch (err) {
        if (!isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')) throw err;
        const errors = (err.details ?? []) as FieldError[];
        if (opts.json) console.log(JSON.stringify({ valid: false, errors }));
        else console.error(`${err.message}: ${errors.length} error(s)\n${formatFieldErrors(errors)}`);
        process.exitCode = EXIT.usage;
      }
    });
}
