import { type Command, InvalidArgumentError } from 'commander';
import { HOST_NAME_PATTERN } from '../../domain/host.js';
import type { Snapshot as DomainSnapshot } from '../../domain/sample.js';
import type { ApiValue } from '../../http/schemas/api-time.js';
import type { StatusAnswer } from '../../http/schemas/fleet.js';
import type { SystemStatus as DomainSystemStatus } from '../../http/schemas/views.js';
import { ApiRequestError } from '../client.js';
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

/** Each loop in one line: whether it runs, its last tick and, when that failed, why. */
function printLoops(loops: SystemStatus['loops']): void {
  if (!loops || loops.length === 0) return;
  const one = (l: NonNullable<SystemStatus['loops']>[number]) =>
    `${l.name} ${l.running ? '' : 'STOPPED, '}${l.ticks} ticks, last ${showTime(l.lastTickAt)}${l.lastError ? `, FAILED: ${l.lastError}` : ''}`;
  printLine(`loops: ${loops.map(one).join('; ')}`);
}

/** Another host of the fleet: its daemon as its agent last reported it (GET status?host=NAME) and its latest snapshot. */
async function remoteStatus(opts: ClientCommandOptions & { host: string }): Promise<void> {
  const client = clientFrom(opts);
  const latest = await client.get<Snapshot>('metrics', { host: opts.host });
  // An agent before 0.3.0 reports no status summary: its snapshot is all there is (a 404 saying so).
  const status = await client.get<StatusAnswer>('status', { host: opts.host }).catch((err: unknown) => {
    if (err instanceof ApiRequestError && err.status === 404) return null;
    throw err;
  });
  if (opts.json) return printJson(status ? { ...status, latest } : { host: opts.host, latest });
  if (status) {
    printLine(
      `host ${opts.host}: orcha agent ${status.version}, mode ${status.mode}, up ${Math.round(status.uptimeSeconds)}s, ` +
        `loops ${status.coordinator.running ? 'running' : 'STOPPED'}, last poll ${showTime(status.coordinator.lastPollAt)}, ` +
        `spool ${status.spool ? `${status.spool.pending} waiting` : 'not reported'} (reported ${showTime(status.reportedAt)})`,
    );
    printLoops(status.loops);
  } else {
    printLine(`host ${opts.host}: its agent reports no status (before 0.3.0); its latest snapshot:`);
  }
  printLine(`host ${opts.host}: earning ${fixed(latest.totalUsdPerHour)} USD/h (at ${showTime(latest.time)}, as its agent reported)`);
  const adapters = new Map((status?.coordinator.adapters ?? []).map((a) => [a.protocol, a]));
  printTable(
    ['protocol', 'type', 'state', 'breaker', 'failures', 'last success', 'USD/h', 'last error'],
    latest.protocols.map((p) => {
      const a = adapters.get(p.protocol);
      return [
        p.protocol,
        p.type,
        p.connected ? 'connected' : 'DISCONNECTED',
        a?.breaker ?? '',
        a?.consecutiveFailures ?? '',
        a ? showTime(a.lastSuccessAt) : '',
        fixed(p.usdPerHour),
        a?.lastError ?? p.error ?? '',
      ];
    }),
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
        printLoops(status.loops);
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
