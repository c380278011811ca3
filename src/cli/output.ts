/**
 * How client commands talk to people and scripts: tables by default, JSON with --json, errors on stderr, progress
 * bars only on a terminal, and the ONE mapping from errors to exit codes (0 ok, 1 failure, 2 usage, 3 server
 * unreachable, 4 authentication) that scripts rely on.
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type CliTable from 'cli-table3';
import { CommanderError } from 'commander';
import { errorMessage, isOrchaError } from '../lib/errors.js';
import { ApiRequestError, ServerUnreachableError } from './client.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

export { EXIT };

/** The exit code for any error a command can end with. */
export function exitCodeForError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof ServerUnreachableError) return EXIT.unreachable;
  if (err instanceof ApiRequestError) {
    if (err.status === 401 || err.status === 403) return EXIT.auth;
    // The server refused what we sent (a field the CLI could not check itself): a usage error.
    if (err.status === 400 || err.status === 413 || err.status === 422) return EXIT.usage;
    return EXIT.failure;
  }
  return exitCodeFor(err);
}

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

// The table and progress-bar libraries are required on first use: most runs (serve, --version, --json) need neither.
const requireLazily = createRequire(import.meta.url);

/** A plain table (no colours, so it reads the same in a pipe or a log). */
export function printTable(head: string[], rows: (string | number | null | undefined)[][], title?: string): void {
  if (title) printLine(title);
  const Table = requireLazily('cli-table3') as typeof CliTable;
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '–' : String(cell))));
  printLine(table.toString());
}

/** Report an error the way the user asked for (JSON on stderr for scripts) and return its exit code. */
export function reportError(err: unknown, options: OutputOptions = {}): number {
  const code = exitCodeForError(err);
  const details = err instanceof ApiRequestError || isOrchaError(err) ? (err.details as unknown) : undefined;
  const errorCode =
    err instanceof ApiRequestError || err instanceof ServerUnreachableError || isOrchaError(err) ? err.code : 'ORCHA_ERR_INTERNAL';
  if (options.json) {
    process.stderr.write(`${JSON.stringify({ error: { code: errorCode, message: errorMessage(err), details, exitCode: code } })}\n`);
    return code;
  }
  process.stderr.write(`orcha: ${errorMessage(err)}\n`);
  if (Array.isArray(details)) {
    for (const d of details as { path?: string; message?: string }[]) {
      if (d && typeof d === 'object' && d.message) process.stderr.write(`  ${d.path ?? ''}: ${d.message}\n`);
    }
  }
  if (code === EXIT.auth) process.stderr.write('  (give credentials with --token / ORCHA_TOKEN or --user and --password)\n');
  if (code === EXIT.unreachable) process.stderr.write('  (is orcha running? set the address with --server or ORCHA_URL)\n');
  return code;
}

/**
 * Wrap a command action: any error is reported and turned into the exit code; nothing escapes to commander.
 * The last argument commander passes to an action is the Command; its options (or a parent's) say whether --json
 * was given.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const command = args[args.length - 1] as { optsWithGlobals?: () => OutputOptions } | undefined;
      process.exitCode = reportError(err, command?.optsWithGlobals?.() ?? {});
    }
  };
}

export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal (and not --json); otherwise a silent stand-in. */
export function createProgress(options: { label: string; total: number; unit?: string; json?: boolean }): Progress {
  if (options.json || !process.stderr.isTTY) {
    return { update() {}, setTotal() {}, stop() {} };
  }
  const { SingleBar, Presets } = requireLazily('cli-progress') as typeof CliProgress;
  const bar = new SingleBar(
    {
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit ?? ''} {status}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  bar.start(options.total, 0, { status: '' });
  return {
    update: (value, payload) => bar.update(value, payload),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}
