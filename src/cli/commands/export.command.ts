import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Command, Option } from 'commander';
import { action, createProgress, printJson } from '../output.js';
import { type ClientCommandOptions, clientFrom, parseTime, withClientOptions } from './common.js';
import { hostOption } from './status.command.js';

interface ExportOptions extends ClientCommandOptions {
  format: 'csv' | 'json';
  from?: string;
  to?: string;
  protocol?: string;
  output?: string;
  host?: string;
}

export function registerExportCommand(program: Command): void {
  withClientOptions(
    program
      .command('export')
      .description('Export recorded history (per protocol samples) as CSV or JSON, streamed to a file or stdout')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['csv', 'json']).default('csv'))
      .option('--from <time>', 'start (ISO 8601, or an age like 24h, 7d; default 24h)', (v: string) => parseTime(v))
      .option('--to <time>', 'end (ISO 8601 or "now"; default now)', (v: string) => parseTime(v))
      .option('-p, --protocol <name>', 'only this protocol')
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option('--host <name>', "a host of the fleet: the rows its agent sent (ranges up to 31 days)", hostOption),
  ).action(
    action(async (opts: ExportOptions) => {
      const client = clientFrom(opts);
      const query = {
        format: opts.format,
        from: opts.from ?? parseTime('24h'),
        to: opts.to ?? parseTime('now'),
        protocol: opts.protocol,
        host: opts.host,
      };
      const accept = opts.format === 'csv' ? 'text/csv' : 'application/json';
      let res = await client.send('GET', 'export', { query, accept, waitMs: 600_000 });
      // Long ranges run as an operation (202): wait for it, then download the file it wrote.
      if (res.status === 202) {
        const { operationId } = (await res.json()) as { operationId: string };
        const op = await client.waitForOperation(operationId, { timeoutSeconds: 3600 });
        if (op.status !== 'completed') throw new Error(`export ${op.status}${op.error ? `: ${op.error}` : ''}`);
        res = await client.send('GET', `export/${encodeURIComponent(operationId)}`, { accept, waitMs: 600_000 });
      }

      const length = Number(res.headers.get('content-length') ?? 0);
      const progress = createProgress({ label: 'export', total: length || 1, unit: 'bytes', json: opts.json || !opts.output });
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (!length) progress.setTotal(bytes);
          progress.update(bytes);
          done(null, chunk);
        },
      });
      const body = res.body ? Readable.fromWeb(res.body as unknown as WebReadableStream) : Readable.from([]);
      try {
        if (opts.output) await pipeline(body, counter, createWriteStream(opts.output));
        else await pipeline(body, counter, process.stdout, { end: false });
      } catch (err) {
        // Never leave a half-written export that looks complete.
        if (opts.output) await rm(opts.output, { force: true });
        throw err;
      } finally {
        progress.stop();
      }
      if (opts.output && opts.json) printJson({ output: opts.output, bytes, format: opts.format });
      else if (opts.output) process.stderr.write(`wrote ${bytes} bytes to ${opts.output}\n`);
    }),
  );
}
