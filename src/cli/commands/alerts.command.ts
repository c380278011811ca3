import { type Command, Option } from 'commander';
import { ALERT_STATUSES, type Alert } from '../../domain/alert.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, parsePositiveInt, showTime, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

interface AlertsOptions extends ClientCommandOptions {
  status?: string;
  limit: number;
  host?: string;
}

interface DeliveryView {
  channel: string;
  status: string;
  kind: string;
  attempts: number;
}

/** Per channel, the state of the latest message about the alert: `ntfy:sent tgram:pending(2)`; `-` when none went out. */
function deliveryColumn(a: Alert & { deliveries?: DeliveryView[] }): string {
  const list = a.deliveries ?? [];
  if (list.length === 0) return '-';
  return list
    .map((d) => `${d.channel}:${d.status}${d.status === 'pending' && d.attempts > 0 ? `(${d.attempts})` : ''}`)
    .join(' ');
}

function alertList(raw: unknown): Alert[] {
  if (Array.isArray(raw)) return raw as Alert[];
  const o = raw as { alerts?: Alert[]; acknowledged?: Alert[] } | null;
  return o?.alerts ?? o?.acknowledged ?? [];
}

export function registerAlertsCommand(program: Command): void {
  const alerts = withClientOptions(
    program
      .command('alerts')
      .description('List alerts (open ones by default); `alerts ack <id...>` acknowledges')
      .addOption(new Option('--status <status>', 'only alerts in this state').choices([...ALERT_STATUSES, 'all']).default('open'))
      .addOption(new Option('--limit <n>', 'at most this many').argParser(parsePositiveInt).default(50))
      .option('--host <name>', "alerts about one host (a fleet host: silent, version skew, spool growing; this machine's name: all but those)", hostOption),
  ).action(
    action(async (opts: AlertsOptions) => {
      const raw = await clientFrom(opts).get('alerts', {
        status: opts.status === 'all' ? undefined : opts.status,
        limit: opts.limit,
        host: opts.host,
      });
      const list = alertList(raw);
      if (opts.json) return printJson(list);
      if (list.length === 0) return printLine(`no ${opts.status === 'all' ? '' : `${opts.status} `}alerts`);
      printTable(
        ['id', 'severity', 'status', 'type', 'protocol', 'since', 'delivery', 'message'],
        list.map((a) => [a.id, a.severity, a.status, a.type, a.protocol ?? '', showTime(a.createdAt), deliveryColumn(a), a.message]),
      );
    }),
  );

  // The connection options live on `alerts` (commander parses a parent's options anywhere on the line), so
  // `orcha alerts ack <id> --server ... --json` and `orcha alerts --server ... ack <id>` mean the same.
  alerts
    .command('ack')
    .description('Acknowledge alerts by id')
    .argument('<id...>', 'alert ids (see `orcha alerts`)')
    .configureHelp({ showGlobalOptions: true })
    .action(
      action(async (ids: string[], _local: unknown, command: Command) => {
        const opts = command.optsWithGlobals() as ClientCommandOptions;
        const res = await clientFrom(opts).post<unknown>('alerts/acknowledge', { ids });
        const changed = alertList(res);
        if (opts.json) return printJson({ acknowledged: changed });
        const done = new Set(changed.map((a) => a.id));
        for (const id of ids) printLine(`${id}: ${done.has(id) ? 'acknowledged' : 'unchanged (unknown, or not open)'}`);
      }),
    );
}
