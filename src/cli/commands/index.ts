/**
 * The client commands of `orcha` (SPEC §5): they talk to a running server over HTTP (status, allocation,
 * reallocate, alerts, report, export, energy) or to the database directly (user add, apikey create).
 */
import type { Command } from 'commander';
import { registerAlertsCommand } from './alerts.command.js';
import { registerAllocationCommand } from './allocation.command.js';
import { registerApiKeyCommands } from './apikey.command.js';
import { registerEnergyCommand } from './energy.command.js';
import { registerExportCommand } from './export.command.js';
import { registerFleetCommand } from './fleet.command.js';
import { registerHostCommands } from './host.command.js';
import { registerNotifyCommand } from './notify.command.js';
import { registerReallocateCommand } from './reallocate.command.js';
import { registerReallocationCommand } from './reallocation.command.js';
import { registerReportCommand } from './report.command.js';
import { registerStatusCommand } from './status.command.js';
import { registerUserCommands } from './user.command.js';

export function registerClientCommands(program: Command): void {
  registerStatusCommand(program);
  registerAllocationCommand(program);
  registerReallocateCommand(program);
  registerReallocationCommand(program);
  registerAlertsCommand(program);
  registerReportCommand(program);
  registerExportCommand(program);
  registerEnergyCommand(program);
  registerUserCommands(program);
  registerApiKeyCommands(program);
  registerHostCommands(program);
  registerFleetCommand(program);
  registerNotifyCommand(program);
}
