import type { Command } from 'commander';
import { RESOURCES, type ResourceShares } from '../../domain/resources.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

interface AllocationView {
  current: Record<string, ResourceShares>;
  optimal: Record<string, ResourceShares> | null;
  plan: {
    improvementUsdPerHour: number;
    improvementPercent: number;
    confidence: number;
    currentUsdPerHour: number;
    projectedUsdPerHour: number;
    /** With energy accounting: the rates above are net of this power cost (now, and at the optimal shares). */
    powerCostUsdPerHour?: number;
    projectedPowerCostUsdPerHour?: number;
    /** Auto mode's record: the share of its models' projected gains that judged moves delivered (the gain is discounted by it). */
    deliveredShare?: number;
  } | null;
}

function cell(current: number | undefined, optimal: number | undefined): string {
  const c = (current ?? 0).toFixed(1);
  if (optimal === undefined || Math.abs(optimal - (current ?? 0)) < 0.05) return c;
  return `${c} -> ${optimal.toFixed(1)}`;
}

export function registerAllocationCommand(program: Command): void {
  withClientOptions(
    program
      .command('allocation')
      .description('Show the current allocation (percent of each host resource) next to the optimal one')
      .option('--host <name>', "a host of the fleet: as its agent reported it, next to the control plane's latest plan for it", hostOption),
  ).action(
    action(async (opts: ClientCommandOptions & { host?: string }) => {
      const view = await clientFrom(opts).get<AllocationView>('allocation', { host: opts.host });
      if (opts.json) return printJson(view);
      const names = [...new Set([...Object.keys(view.current), ...Object.keys(view.optimal ?? {})])].sort();
      if (names.length === 0) return printLine('no allocation yet');
      printTable(
        ['protocol', ...RESOURCES.map((r) => `${r} %`)],
        names.map((n) => [n, ...RESOURCES.map((r) => cell(view.current[n]?.[r], view.optimal?.[n]?.[r]))]),
        'current -> optimal',
      );
      const p = view.plan;
      const net =
        p?.powerCostUsdPerHour !== undefined
          ? ` net of power (power ${fixed(p.powerCostUsdPerHour)} USD/h now, ${fixed(p.projectedPowerCostUsdPerHour ?? p.powerCostUsdPerHour)} at optimal)`
          : '';
      printLine(
        p
          ? `optimal: ${fixed(p.projectedUsdPerHour)} USD/h vs ${fixed(p.currentUsdPerHour)} now${net} ` +
              `(+${fixed(p.improvementUsdPerHour)} USD/h, ${fixed(p.improvementPercent, 1)} %), confidence ${fixed(p.confidence, 2)}` +
              (p.deliveredShare !== undefined ? `; gain discounted to ${Math.round(100 * p.deliveredShare)} % (what auto mode's judged moves delivered)` : '')
          : 'the optimizer has no plan yet',
      );
    }),
  );
}
