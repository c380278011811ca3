import { type Command, Option } from 'commander';
import type { Operation } from '../../domain/operation.js';
import { PRIORITIES } from '../../domain/operation.js';
import type { Reallocation } from '../../domain/reallocation.js';
import { action, createProgress, EXIT, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, parsePositiveInt, withClientOptions } from './common.js';

interface ReallocateOptions extends ClientCommandOptions {
  dryRun?: boolean;
  priority: string;
  wait: boolean;
  timeout: number;
}

const STAGE: Record<string, number> = { pending: 1, processing: 2, completed: 3, failed: 3, timeout: 3 };
/** Outcomes that mean the system did not end where it was asked to go. */
const FAILED_OUTCOMES = new Set(['failed', 'rolled_back']);

function printOutcome(op: Operation): void {
  const r = op.result as Reallocation | null;
  printLine(`operation ${op.id}: ${op.status}${op.error ? ` (${op.error})` : ''}`);
  if (!r || typeof r !== 'object' || !('status' in r)) return;
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

export function registerReallocateCommand(program: Command): void {
  withClientOptions(
    program
      .command('reallocate')
      .description('Ask for a reallocation now (validated, rate-limited, held); waits for the outcome')
      .option('-n, --dry-run', 'compute and record the plan, change nothing')
      .addOption(new Option('--priority <level>', 'queue priority').choices([...PRIORITIES]).default('high'))
      .option('--no-wait', 'print the operation id and return at once')
      .addOption(new Option('--timeout <seconds>', 'how long to wait for the outcome').argParser(parsePositiveInt).default(120)),
  ).action(
    action(async (opts: ReallocateOptions) => {
      const client = clientFrom(opts);
      const accepted = await client.post<{ operationId: string; status: string }>('reallocate', {
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
