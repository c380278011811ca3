import type { Command } from 'commander';
import type { Operation } from '../../domain/operation.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, parseTime, showTime, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

interface ReportOptions extends ClientCommandOptions {
  from?: string;
  to?: string;
  host?: string;
}

interface Report {
  from: string;
  to: string;
  totalUsd: number;
  protocols: { protocol: string; token: string; usd: number; tokens: number; payoutEvents: number; uptime: number | null }[];
  reallocations: { total: number; applied: number; failed: number; rolledBack: number; measuredGainUsdPerHour: number | null };
  trend: { firstHalfUsdPerHour: number; secondHalfUsdPerHour: number; changePercent: number | null };
}

export function registerReportCommand(program: Command): void {
  withClientOptions(
    program
      .command('report')
      .description('Performance report for a period: earnings and uptime by protocol, reallocations and their effect, trend')
      .option('--from <time>', 'start (ISO 8601, or an age like 24h, 7d; default 24h)', (v: string) => parseTime(v))
      .option('--to <time>', 'end (ISO 8601 or "now"; default now)', (v: string) => parseTime(v))
      .option('--host <name>', "a host of the fleet: from its agent's samples, its energy points and its plans' outcomes (any period; long ones wait for the server's operation)", hostOption),
  ).action(
    action(async (opts: ReportOptions) => {
      const client = clientFrom(opts);
      const range = { from: opts.from ?? parseTime('24h'), to: opts.to ?? parseTime('now') };
      const res = await client.get<Report | { operationId: string }>('reports', { ...range, host: opts.host });
      // The server may generate the report asynchronously (202 + operation id).
      const report =
        'operationId' in res ? ((await client.waitForOperation(res.operationId)) as Operation).result as Report : (res as Report);
      if (opts.json) return printJson(report);
      printLine(`${opts.host ? `host ${opts.host}: ` : ''}report ${showTime(report.from)} .. ${showTime(report.to)}: earned ${fixed(report.totalUsd)} USD`);
      printTable(
        ['protocol', 'USD', 'tokens', 'token', 'uptime %', 'payouts'],
        report.protocols.map((p) => [
          p.protocol,
          fixed(p.usd),
          fixed(p.tokens),
          p.token,
          p.uptime === null ? null : (p.uptime * 100).toFixed(1),
          p.payoutEvents,
        ]),
      );
      const r = report.reallocations;
      printLine(
        `reallocations: ${r.total} (${r.applied} applied, ${r.failed} failed, ${r.rolledBack} rolled back), ` +
          `measured gain ${fixed(r.measuredGainUsdPerHour)} USD/h`,
      );
      const t = report.trend;
      printLine(`trend: ${fixed(t.firstHalfUsdPerHour)} -> ${fixed(t.secondHalfUsdPerHour)} USD/h (${fixed(t.changePercent, 1)} %)`);
    }),
  );
}
