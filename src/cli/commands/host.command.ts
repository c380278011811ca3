import { hostname } from 'node:os';
import type { Command } from 'commander';
import { localHostName } from '../../domain/host.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { showTime } from './common.js';

interface LocalOptions {
  config?: string;
  json?: boolean;
}

/** `orcha host add|list|revoke`: the fleet's hosts, on the database directly (like `apikey`). */
export function registerHostCommands(program: Command): void {
  const host = program.command('host').description('Manage the hosts whose agents report to this control plane (works on the database directly)');
  const open = async (opts: LocalOptions) => {
    const [{ openLocal }, { createFleetService }, { systemClock }] = await Promise.all([
      import('./local.js'),
      import('../../fleet/fleet.service.js'),
      import('../../lib/clock.js'),
    ]);
    const local = await openLocal(opts.config);
    const fleet = createFleetService({ repo: local.store.fleet, clock: systemClock, settings: () => ({
        silentAfterMs: local.config.fleet.silentAfter * 1000,
        localName: local.config.fleet.localName ?? localHostName(hostname()),
      }),
    });
    return { local, fleet };
  };
  host
    .command('add')
    .description('Create a host and print its agent key once (give it to `orcha agent --key`)')
    .argument('<name>', 'the host name (letters, digits, . _ -)')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (name: string, opts: LocalOptions) => {
        const { local, fleet } = await open(opts);
        try {
          const { host: created, key } = await fleet.addHost(name, null);
          await local.audit('host.add', `host:${created.name}`);
          if (opts.json) return printJson({ name: created.name, key });
          printLine(`created host "${created.name}"`);
          printLine(`agent key: ${key}\n(shown once; run: orcha agent --server <control-plane URL> --key <key>)`);
        } finally {
          await local.close();
        }
      }),
    );
  host
    .command('list')
    .description('List hosts: last seen, health, agent version, earnings per hour')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: LocalOptions) => {
        const { local, fleet } = await open(opts);
        try {
          const hosts = await fleet.listHosts();
          if (opts.json) return printJson(hosts);
          printTable(
            ['name', 'health', 'last seen', 'agent', 'USD/h', 'protocols'],
            hosts.map((h) => [
              h.name,
              h.health,
              showTime(h.lastSeenAt),
              h.agentVersion ?? '-',
              h.usdPerHour === null ? '-' : h.usdPerHour.toFixed(4),
              `${h.connected}/${h.protocols}`,
            ]),
          );
        } finally {
          await local.close();
        }
      }),
    );
  host
    .command('revoke')
    .description("Revoke a host's agent key (its stored data stays)")
    .argument('<name>', 'the host name')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (name: string, opts: LocalOptions) => {
        const { local, fleet } = await open(opts);
        try {
          const revoked = await fleet.revokeHost(name);
          await local.audit('host.revoke', `host:${revoked.name}`);
          if (opts.json) return printJson({ revoked: revoked.name });
          printLine(`revoked the agent key of host "${revoked.name}"`);
        } finally {
          await local.close();
        }
      }),
    );
}
