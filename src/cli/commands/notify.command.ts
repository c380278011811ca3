import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { type ClientCommandOptions, clientFrom, showTime, withClientOptions } from './common.js';

interface ChannelView {
  name: string;
  target: string;
  minSeverity: string;
  usable: boolean;
  error: string | null;
  pending: number;
  lastDelivery: { kind: string; status: string; updatedAt: string; error: string | null } | null;
}

/** `orcha notify channels` and `orcha notify test [--channel NAME]` (admin), over the API of a running server. */
export function registerNotifyCommand(program: Command): void {
  const notify = withClientOptions(
    program.command('notify').description('Notification channels: list them with their last delivery, or send a test'),
  ).action(
    action(async (opts: ClientCommandOptions) => {
      const res = await clientFrom(opts).get<{ channels: ChannelView[] }>('notifications/channels');
      if (opts.json) return printJson(res.channels);
      if (res.channels.length === 0) return printLine('no notification channels (notifications.channels in orcha.yaml)');
      printTable(
        ['channel', 'target', 'min severity', 'pending', 'last delivery'],
        res.channels.map((c) => [
          c.name,
          c.target,
          c.minSeverity,
          String(c.pending),
          c.error
            ? `unusable: ${c.error}`
            : c.lastDelivery
              ? `${c.lastDelivery.kind} ${c.lastDelivery.status} ${showTime(c.lastDelivery.updatedAt)}${c.lastDelivery.error ? ` (${c.lastDelivery.error})` : ''}`
              : 'never',
        ]),
      );
    }),
  );

  notify
    .command('test')
    .description('Send a test message now to every channel, or to one')
    .option('--channel <name>', 'only this channel')
    .configureHelp({ showGlobalOptions: true })
    .action(
      action(async (local: { channel?: string }, command: Command) => {
        const opts = command.optsWithGlobals() as ClientCommandOptions & { channel?: string };
        const res = await clientFrom(opts).post<{ results: { channel: string; ok: boolean; error: string | null }[] }>(
          'notifications/test',
          local.channel ? { channel: local.channel } : {},
        );
        if (opts.json) printJson(res.results);
        else if (res.results.length === 0) printLine('no notification channels configured');
        else for (const r of res.results) printLine(`${r.channel}: ${r.ok ? 'sent' : `FAILED: ${r.error}`}`);
        if (res.results.some((r) => !r.ok)) process.exitCode = EXIT.failure;
      }),
    );
}
