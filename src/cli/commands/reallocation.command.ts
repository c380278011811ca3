/**
 * `orcha reallocation history`: the decisions of the server's own engine, newest first; with `--host NAME` the plans
 * the control plane made for that host (GET hosts/{name}/plans): projected gain, what its agent did, who decided.
 */
import { type Command, Option } from 'commander';
import { REALLOCATION_STATUSES, type Reallocation as DomainReallocation } from '../../domain/reallocation.js';
import type { ApiValue } from '../../http/schemas/api-time.js';
import type { HostPlansAnswer } from '../../http/schemas/fleet.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, parsePositiveInt, showTime, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

type Reallocation = ApiValue<DomainReallocation>;

interface HistoryOptions extends ClientCommandOptions {
  host?: string;
  status?: string;
  limit: number;
  offset: number;
}

const measured = (r: Reallocation) =>
  r.measuredBeforeUsdPerHour === null || r.measuredAfterUsdPerHour === null ? '' : fixed(r.measuredAfterUsdPerHour - r.measuredBeforeUsdPerHour);

async function hostPlans(opts: HistoryOptions & { host: string }): Promise<void> {
  const answer = await clientFrom(opts).get<HostPlansAnswer>(`hosts/${encodeURIComponent(opts.host)}/plans`, {
    status: opts.status,
    limit: opts.limit,
    offset: opts.offset,
  });
  if (opts.json) return printJson(answer);
  if (answer.total === 0) return printLine(`host ${answer.host}: no plans${opts.status ? ` with status ${opts.status}` : ''}`);
  const last = answer.offset + answer.plans.length;
  printLine(`host ${answer.host}: plans ${answer.offset + 1}-${last} of ${answer.total}, newest first`);
  printTable(
    ['made', 'status', 'projected USD/h', 'gain USD/h', 'outcome', 'decided by'],
    answer.plans.map((p) => [
      showTime(p.createdAt),
      p.status,
      fixed(p.plan.projectedUsdPerHour),
      `+${fixed(p.projectedGainUsdPerHour)}`,
      p.outcome ? `${p.outcome.status}${p.outcome.reason ? `: ${p.outcome.reason}` : ''} (${showTime(p.outcome.reportedAt)})` : '-',
      `${p.decidedBy.strategy}, fence ${p.decidedBy.fence}${p.decidedBy.replica ? `, ${p.decidedBy.replica}` : ''}`,
    ]),
  );
}

export function registerReallocationCommand(program: Command): void {
  const reallocation = program.command('reallocation').description('Reallocations: `reallocation history` lists them');
  withClientOptions(
    reallocation
      .command('history')
      .description("Reallocations newest first (outcome, projected and measured effect); with --host, the control plane's plans for that host")
      .option('--host <name>', "a host of the fleet: the plans made for it and what its agent did with them (default: the server's own engine)", hostOption)
      .addOption(new Option('--status <status>', 'only this outcome (planned: no outcome yet)').choices([...REALLOCATION_STATUSES]))
      .addOption(new Option('--limit <n>', 'at most this many (100 at most with --host)').argParser(parsePositiveInt).default(20))
      .addOption(new Option('--offset <n>', 'skip this many (the next page)').argParser((v) => (v === '0' ? 0 : parsePositiveInt(v))).default(0)),
  ).action(
    action(async (opts: HistoryOptions) => {
      if (opts.host !== undefined) return hostPlans({ ...opts, host: opts.host });
      const { reallocations } = await clientFrom(opts).get<{ reallocations: Reallocation[] }>('reallocation/history', {
        status: opts.status,
        limit: opts.limit,
        offset: opts.offset,
      });
      if (opts.json) return printJson(reallocations);
      if (reallocations.length === 0) return printLine('no reallocations');
      printTable(
        ['id', 'when', 'status', 'trigger', 'projected USD/h', 'measured USD/h', 'reason'],
        reallocations.map((r) => [
          r.id,
          showTime(r.createdAt),
          `${r.status}${r.dryRun ? ' (dry-run)' : ''}`,
          r.trigger,
          `+${fixed(r.projectedImprovementUsdPerHour)}`,
          measured(r),
          r.reason ?? '',
        ]),
      );
    }),
  );
}
