import { type Command, InvalidArgumentError } from 'commander';
import { HOST_NAME_PATTERN } from '../../domain/host.js';
import type { Snapshot as DomainSnapshot } from '../../domain/sample.js';
import type { ApiValue } from '../../http/schemas/api-time.js';
import type { SystemStatus as DomainSystemStatus } from '../../http/schemas/views.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, showTime, withClientOptions } from './common.js';

// The server's own shapes as they arrive (times as ISO strings): a change on the server fails this type check.
type SystemStatus = ApiValue<DomainSystemStatus>;
type Snapshot = ApiValue<DomainSnapshot>;

/** `--host NAME`: a host of the fleet (`orcha fleet` lists them); the same pattern the server checks. */
export function hostOption(value: string): string {
  if (!new RegExp(HOST_NAME_PATTERN).test(value) || value.length > 63) {
    throw new InvalidArgumentError('--host: a host name (letters, digits, dots and dashes, as `orcha fleet` lists them)');
  }
  return value;
}

/** Another host of the fleet: its latest snapshot as its agent sent it (GET metrics?host=NAME). */
async function remoteStatus(opts: ClientCommandOptions & { host: string }): Promise<void> {
  const latest = await clientFrom(opts).get<Snapshot>('metrics', { host: opts.host });
  if (opts.json) return printJson({ host: opts.host, latest });
  printLine(`host ${opts.host}: earning ${fixed(latest.totalUsdPerHour)} USD/h (at ${showTime(latest.time)}, as its agent reported)`);
  printTable(
    ['protocol', 'type', 'state', 'USD/h', 'last error'],
    latest.protocols.map((p) => [p.protocol, p.type, p.connected ? 'connected' : 'DISCONNECTED', fixed(p.usdPerHour), p.error ?? '']),
  );
}

export function registerStatusCommand(program: Command): void {
  withClientOptions(program.command('status').description('Show the daemon, each node and the current earnings'))
    .option('--host <name>', "another host of the fleet: its nodes and earnings as its agent reported them (default: the server's own)", hostOption)
    .action(
      action(async (opts: ClientCommandOptions & { host?: string }) => {
        if (opts.host !== undefined) return remoteStatus({ ...opts, host: opts.host });
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
