/**
 * `orcha energy`: power now (meters, tariff, host draw, per protocol gross, power cost and net) from GET energy, and
 * `orcha energy report` for a period from GET energy/report; `--host NAME` asks for a fleet host's figures.
 */
import type { Command } from 'commander';
import type { EnergyReport as DomainEnergyReport, EnergyView as DomainEnergyView } from '../../energy/views.js';
import type { ApiValue } from '../../http/schemas/api-time.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, fixed, parseTime, showTime, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

// The server's own shapes as they arrive (times as ISO strings): a change on the server fails this type check.
type EnergyView = ApiValue<DomainEnergyView>;
type EnergyReport = ApiValue<DomainEnergyReport>;

interface EnergyOptions extends ClientCommandOptions {
  host?: string;
}

const watts = (w: number | null) => (w === null ? null : w.toFixed(1));
const percent = (share: number) => `${(share * 100).toFixed(1)}`;

function printView(v: EnergyView, host: string | undefined): void {
  const who = host ? `host ${host}: ` : '';
  printLine(
    `${who}power ${watts(v.hostWatts)} W at ${showTime(v.time)} (idle ${watts(v.idleWatts)} W, charged to no protocol ${watts(v.overheadWatts)} W), ` +
      (v.estimated ? `ESTIMATED${v.estimatedReason ? `: ${v.estimatedReason}` : ''}` : 'measured'),
  );
  printLine(`tariff: rate ${v.rate}, ${fixed(v.pricePerKwh)} ${v.currency}/kWh (${fixed(v.usdPerKwh)} USD/kWh); split by ${v.basis} (${v.basisNote})`);
  printLine(`earning ${fixed(v.grossUsdPerHour)} USD/h gross - ${fixed(v.powerCostUsdPerHour)} USD/h power = ${fixed(v.netUsdPerHour)} USD/h net`);
  if (v.meters.length > 0) {
    printTable(
      ['meter', 'type', 'format', 'protocol', 'status', 'W', 'kWh', 'last reading', 'error'],
      v.meters.map((m) => [m.name, m.type, m.format, m.protocol ?? 'host', m.status, watts(m.watts), fixed(m.energyKwh, 3), showTime(m.lastReadingAt), m.error ?? '']),
    );
  } else {
    printLine('meters: none (watts declared per protocol)');
  }
  printTable(
    ['protocol', 'W', 'load %', 'gross USD/h', 'power USD/h', 'net USD/h'],
    v.protocols.map((p) => [p.protocol, watts(p.watts), percent(p.loadShare), fixed(p.grossUsdPerHour), fixed(p.powerCostUsdPerHour), fixed(p.netUsdPerHour)]),
  );
}

function printReport(r: EnergyReport, host: string | undefined): void {
  printLine(
    `${host ? `host ${host}: ` : ''}energy ${showTime(r.from)} .. ${showTime(r.to)} (${fixed(r.hours, 1)} h): ${fixed(r.energyKwh, 3)} kWh, ` +
      `gross ${fixed(r.grossUsd)} USD - power ${fixed(r.powerCostUsd)} USD = net ${fixed(r.netUsd)} USD (tariff in ${r.currency}, ${percent(r.estimatedShare)} % estimated)`,
  );
  printTable(
    ['protocol', 'kWh', 'gross USD', 'power USD', 'net USD', 'net USD/h', 'estimated %'],
    r.protocols.map((p) => [p.protocol, fixed(p.energyKwh, 3), fixed(p.grossUsd), fixed(p.powerCostUsd), fixed(p.netUsd), fixed(p.netUsdPerHour), percent(p.estimatedShare)]),
  );
}

export function registerEnergyCommand(program: Command): void {
  const energy = withClientOptions(
    program
      .command('energy')
      .description('Power now: meters, tariff, and per protocol gross, power cost and net; `energy report` for a period')
      .option('--host <name>', "a host of the fleet: the figures its agent last sent (default: the server's own)", hostOption),
  ).action(
    action(async (opts: EnergyOptions) => {
      const view = await clientFrom(opts).get<EnergyView>('energy', { host: opts.host });
      if (opts.json) return printJson(view);
      printView(view, opts.host);
    }),
  );

  // The connection options and --host live on `energy` (commander reads a parent's options anywhere on the line).
  energy
    .command('report')
    .description('Energy over a period: kWh, gross, power cost and net per protocol')
    .option('--from <time>', 'start (ISO 8601, or an age like 24h, 7d; default 24h)', (v: string) => parseTime(v))
    .option('--to <time>', 'end (ISO 8601 or "now"; default now)', (v: string) => parseTime(v))
    .configureHelp({ showGlobalOptions: true })
    .action(
      action(async (local: { from?: string; to?: string }, command: Command) => {
        const opts = command.optsWithGlobals() as EnergyOptions;
        const range = { from: local.from ?? parseTime('24h'), to: local.to ?? parseTime('now') };
        const report = await clientFrom(opts).get<EnergyReport>('energy/report', { ...range, host: opts.host });
        if (opts.json) return printJson(report);
        printReport(report, opts.host);
      }),
    );
}
