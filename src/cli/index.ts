#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { type FieldError, errorMessage, isOrchaError } from '../lib/errors.js';
import { registerAgentCommand } from './agent.command.js';
import { registerConfigCommands } from './config-validate.command.js';
import { EXIT } from './exit-codes.js';
import { registerClientCommands } from './commands/index.js';
import { registerMaintenanceCommands } from './maintenance.command.js';
import { exitCodeForError } from './output.js';
import { registerServerCommands } from './server.command.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('orcha')
    .description('DePIN Orcha: watch, record and optimize the resources of your DePIN nodes')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServerCommands(program);
  registerConfigCommands(program);
  registerMaintenanceCommands(program);
  registerClientCommands(program);
  registerAgentCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every usage mistake exits 2
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')) {
      const { formatFieldErrors } = await import('../config/load.js');
      console.error(`${err.message}\n${formatFieldErrors((err.details ?? []) as FieldError[])}`);
    } else {
      console.error(`orcha: ${errorMessage(err)}`);
    }
    process.exitCode = exitCodeForError(err);
  }
}

await main(process.argv);
