import { createInterface } from 'node:readline/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Operation } from '../../domain/operation.js';
import { PRIORITIES } from '../../domain/operation.js';
import type { Reallocation } from '../../domain/reallocation.js';
import { action, createProgress, EXIT, printJson, printLine, printTable } from '../output.js';
import type { OrchaClient } from '../client.js';
import { type ClientCommandOptions, clientFrom, fixed, parsePositiveInt, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

interface ReallocateOptions extends ClientCommandOptions {
  dryRun?: boolean;
  yes?: boolean;
  priority: string;
  wait: boolean;
  timeout: number;
  host?: string;
}

/** A fleet host's request completes with what its agent reported (`result`: host, planId, status, reason). */
interface HostOutcome {
  host: string;
  planId: string;
  dryRun: boolean;
  status: string;
  reason: string | null;
  reallocationId: string | null;
}

const STAGE: Record<string, number> = { pending: 1, processing: 2, completed: 3, failed: 3, timeout: 3 };
/** Outcomes that mean the system did not end where it was asked to go. */
const FAILED_OUTCOMES = new Set(['failed', 'rolled_back']);

function printOutcome(op: Operation): void {
  const r = op.result as Reallocation | null;
  printLine(`operation ${op.id}: ${op.status}${op.error ? ` (${op.error})` : ''}`);
  if (!r || typeof r !== 'object' || !('status' in r)) return;
  if ('planId' in r) {
    const h = r as unknown as HostOutcome;
    printLine(`host ${h.host}, plan ${h.planId}: ${h.status}${h.dryRun ? ' (dry-run)' : ''}${h.reason ? `: ${h.reason}` : ''}${h.reallocationId ? `; its reallocation ${h.reallocationId}` : ''}`);
    return;
  }
  printLine(
    `reallocation ${r.id}: ${r.status}${r.dryRun ? ' (dry-run)' : ''}${r.reason ? `: ${r.reason}` : ''}; ` +
      `projected +${fixed(r.projectedImprovementUsdPerHour)} USD/h, confidence ${fixed(r.confidence, 2)}`,
  );
  if (r.steps?.length) {
    printTable(
      ['#', 'protocol', 'cpu', 'memory', 'bandwidth', 'storage', 'step'],
      r.steps.map((s) => [
        s.seq,
        s.protocol,
        ...(['cpu', 'memory', 'bandwidth', 'storage'] as const).map((k) => `${s.from[k].toFixed(1)} -> ${s.to[k].toFixed(1)}`),
        s.status + (s.error ? `: ${s.error}` : ''),
      ]),
    );
  }
}

async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * A real reallocation changes the nodes: say what mode the server is in (advisory means its own loop only plans,
 * while this request applies), then ask on a terminal or require --yes. Returns false when the user declines.
 */
async function confirmApply(client: OrchaClient, opts: ReallocateOptions): Promise<boolean> {
  const { mode } = await client.get<{ mode: string }>('status', { host: opts.host });
  if (mode === 'advisory') {
    process.stderr.write(
      'orcha: the server is in advisory mode (reallocation.mode: advisory): its own loop only plans, but this request applies the plan to your nodes now\n',
    );
  }
  if (opts.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new InvalidArgumentError('reallocate without --dry-run changes your nodes: confirm with --yes (or use --dry-run)');
  }
  return askYesNo('Apply a reallocation now? [y/N] ');
}

export function registerReallocateCommand(program: Command): void {
  withClientOptions(
    program
      .command('reallocate')
      .description('Ask for a reallocation now (validated, rate-limited, held); waits for the outcome')
      .option('-n, --dry-run', 'compute and record the plan, change nothing')
      .option('-y, --yes', 'apply without asking (needed when not on a terminal)')
      .option('--host <name>', "a host of the fleet: its agent decides on a plan the control plane makes now and applies it (even in advisory mode)", hostOption)
      .addOption(new Option('--priority <level>', 'queue priority').choices([...PRIORITIES]).default('high'))
      .option('--no-wait', 'print the operation id and return at once')
      .addOption(new Option('--timeout <seconds>', 'how long to wait for the outcome').argParser(parsePositiveInt).default(120)),
  ).action(
    action(async (opts: ReallocateOptions) => {
      const client = clientFrom(opts);
      if (!opts.dryRun && !(await confirmApply(client, opts))) {
        process.stderr.write('orcha: nothing applied\n');
        process.exitCode = EXIT.failure;
        return;
      }
      const path = opts.host ? `reallocate?host=${encodeURIComponent(opts.host)}` : 'reallocate';
      const accepted = await client.post<{ operationId: string; status: string }>(path, {
        dryRun: Boolean(opts.dryRun),
        priority: opts.priority,
      });
      if (!opts.wait) {
        if (opts.json) return printJson(accepted);
        return printLine(`operation ${accepted.operationId}: ${accepted.status}`);
      }
      const progress = createProgress({ label: opts.dryRun ? 'dry-run' : 'reallocate', total: 3, unit: 'stages', json: opts.json });
      progress.update(STAGE[accepted.status] ?? 1, { status: accepted.status });
      let op: Operation;
      try {
        op = await client.waitForOperation(accepted.operationId, {
          timeoutSeconds: opts.timeout,
          onStatus: (o) => progress.update(STAGE[o.status] ?? 1, { status: o.status }),
        });
      } finally {
        progress.stop();
      }
      if (opts.json) printJson(op);
      else printOutcome(op);
      const outcome = (op.result as Reallocation | null)?.status;
      if (op.status !== 'completed' || (outcome && FAILED_OUTCOMES.has(outcome))) process.exitCode = EXIT.failure;
    }),
  );
}
