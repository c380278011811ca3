import type { Command } from 'commander';
import type { FleetOverview } from '../../fleet/fleet-overview.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, showTime, withClientOptions } from './common.js';

// The server's answer as it arrives: times as ISO strings.
type FleetAnswer = Omit<FleetOverview, 'generatedAt' | 'hosts'> & {
  generatedAt: string;
  hosts: (Omit<FleetOverview['hosts'][number], 'lastSeenAt'> & { lastSeenAt: string | null })[];
};

/** `orcha fleet`: every host at a glance (GET /api/v1/fleet). */
export function registerFleetCommand(program: Command): void {
  withClientOptions(program.command('fleet').description('Show every host of the fleet: health, last report, USD/h, open alerts, and the totals')).action(
    action(async (opts: ClientCommandOptions) => {
      const fleet = await clientFrom(opts).get<FleetAnswer>('fleet');
      if (opts.json) return printJson(fleet);
      const t = fleet.totals;
      printLine(
        `${t.hosts} host${t.hosts === 1 ? '' : 's'}: ${t.ok} ok, ${t.silent} silent, ${t.neverSeen} never seen, ${t.revoked} revoked; ` +
          `earning ${fixed(t.usdPerHour)} USD/h; ${t.openAlerts} open alert${t.openAlerts === 1 ? '' : 's'}`,
      );
      printTable(
        ['host', 'health', 'last seen', 'USD/h', 'protocols', 'alerts', 'agent'],
        fleet.hosts.map((h) => [
          h.local ? `${h.name} (this machine)` : h.name,
          h.health === 'ok' ? 'ok' : h.health.toUpperCase(),
          showTime(h.lastSeenAt),
          fixed(h.usdPerHour),
          `${h.connected}/${h.protocols}`,
          h.openAlerts,
          h.agentVersion ?? '',
        ]),
      );
    }),
  );
}
