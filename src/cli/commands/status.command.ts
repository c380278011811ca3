import type { Command } from 'commander';
import type { Snapshot as DomainSnapshot } from '../../domain/sample.js';
import type { ApiValue } from '../../http/schemas/api-time.js';
import type { SystemStatus as DomainSystemStatus } from '../../http/schemas/views.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, showTime, withClientOptions } from './common.js';

// The server's own shapes as they arrive (times as ISO strings): a change on the server fails this type check.
type SystemStatus = ApiValue<DomainSystemStatus>;
type Snapshot = ApiValue<DomainSnapshot>;

export function registerStatusCommand(program: Command): void {
  withClientOptions(program.command('status').description('Show the daemon, each node and the current earnings')).action(
    action(async (opts: ClientCommandOptions) => {
      const client = clientFrom(opts);
      const [status, latest] = await Promise.all([
        client.get<SystemStatus>('status'),
        client.get<Snapshot | null>('metrics').catch(() => null),
      ]);
      if (opts.json) return printJson({ ...status, latest });
      const earnings = new Map((latest?.protocols ?? []).map((p) => [p.protocol, p.usdPerHour]));
      printLine(
        `orcha ${status.version}: mode ${status.mode}, strategy ${status.strategy}, up ${Math.round(status.uptimeSeconds)}s, ` +
          `last poll ${showTime(status.coordinator.lastPollAt)}, queue ${status.queue.pending} pending/${status.queue.processing} running`,
      );
      printLine(latest ? `earning ${fixed(latest.totalUsdPerHour)} USD/h (at ${showTime(latest.time)})` : 'no data yet');
      printTable(
        ['protocol', 'type', 'state', 'breaker', 'USD/h', 'latency ms', 'last error'],
        status.coordinator.adapters.map((a) => [
          a.protocol,
          a.type,
          a.connected ? 'connected' : 'DISCONNECTED',
          a.breaker,
          fixed(earnings.get(a.protocol)),
          a.latencyMs === null ? null : Math.round(a.latencyMs),
          a.lastError ?? '',
        ]),
      );
    }),
  );
}
