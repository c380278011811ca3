/**
 * `orcha notify` and `orcha notify test [--channel NAME]`: the built binary as a subprocess against a running server
 * whose channels point at a local receiver (one that accepts, one that answers 503). The message reaches the
 * receiver, --json parses, and the exit codes say what happened (0 sent, 1 a channel failed or is unknown, 4 not an
 * admin, 3 no server).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.js';
import { type ProductHarness, startProduct } from './dashboard.harness.js';

const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asynchronous: the server runs in this process and must keep answering while the CLI waits. */
function orcha(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('orcha notify against a running server', { timeout: 120_000 }, () => {
  let product: ProductHarness;
  let receiver: RecordingServer;
  let admin: Record<string, string>;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    receiver = await recordingServer({ '/hook': () => ({ body: '{}' }), '/down': () => ({ status: 503, body: 'down' }) });
    const host = receiver.url.replace('http://', '');
    product = await startProduct({
      tickMs: 0,
      config: {
        notifications: {
          channels: [
            { name: 'hook', url: `json://${host}/hook` },
            { name: 'down', url: `json://${host}/down?token=tok-secret-1234` },
          ],
          dashboardUrl: 'http://orcha.example:8080',
        },
      },
    });
    admin = { ORCHA_URL: product.url, ORCHA_TOKEN: (await product.auth.createApiKey({ name: 'cli-notify', role: 'admin' })).key };
    viewer = { ORCHA_URL: product.url, ORCHA_TOKEN: (await product.auth.createApiKey({ name: 'cli-notify-viewer', role: 'viewer' })).key };
  });

  afterAll(async () => {
    await product?.close();
    await receiver?.close();
  });

  const tests = () => receiver.requests.filter((r) => (r.body as { kind?: string } | undefined)?.kind === 'test');

  it('notify test --channel NAME sends one test message to that channel through the server', async () => {
    const run = await orcha(['notify', 'test', '--channel', 'hook'], admin);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('hook: sent');
    expect(tests().map((r) => r.path)).toEqual(['/hook']);
    expect(tests()[0]?.body).toMatchObject({ channel: 'hook', title: 'orcha test notification', link: 'http://orcha.example:8080/' });
  });

  it('notify test to every channel: --json parses, a failing channel gives exit code 1 and its error', async () => {
    const run = await orcha(['notify', 'test', '--json'], admin);
    expect(run.code).toBe(1);
    const results = JSON.parse(run.stdout) as { channel: string; ok: boolean; error: string | null }[];
    expect(results).toEqual([
      { channel: 'down', ok: false, error: expect.stringContaining('HTTP 503') },
      { channel: 'hook', ok: true, error: null },
    ]);
    expect(tests().map((r) => r.path).sort()).toEqual(['/down', '/hook', '/hook']);
    const human = await orcha(['notify', 'test'], admin);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^down: FAILED: HTTP 503/m);
    expect(human.stdout).toMatch(/^hook: sent$/m);
    expect(human.stdout + human.stderr).not.toContain('tok-secret-1234');
  });

  it('notify lists the channels with their last delivery; --json parses', async () => {
    const listed = await orcha(['notify', '--json'], admin);
    expect(listed.code, listed.stderr).toBe(0);
    const channels = JSON.parse(listed.stdout) as { name: string; lastDelivery: { kind: string; status: string } | null }[];
    expect(channels.map((c) => [c.name, c.lastDelivery?.kind, c.lastDelivery?.status])).toEqual([
      ['hook', 'test', 'sent'],
      ['down', 'test', 'failed'],
    ]);
    const human = await orcha(['notify'], viewer);
    expect(human.code, human.stderr).toBe(0);
    const row = (name: string) => human.stdout.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
    expect(row('hook')).toMatch(/json:\/\/127\.0\.0\.1:\d+ .* warning .* test sent \d{4}-\d\d-\d\d/);
    expect(row('down')).toMatch(/test failed .*\(HTTP 503: down\)/);
    expect(human.stdout).not.toContain('tok-secret-1234');
  });

  it('orcha alerts shows where each open alert was delivered', async () => {
    const alert = await product.raiseAlert('cli notify: a warning that goes out');
    const { notifier } = product.server.running;
    notifier.onAlert({ change: 'raised', alert });
    await notifier.flush();
    await notifier.dispatch();
    const human = await orcha(['alerts'], viewer);
    expect(human.code, human.stderr).toBe(0);
    // hook took it; down answered 503 and the message waits for its retry (first attempt made).
    const row = human.stdout.split('\n').find((l) => l.includes(alert.id)) ?? '';
    expect(row).toContain('hook:sent');
    expect(row).toContain('down:pending(1)');
    const json = JSON.parse((await orcha(['alerts', '--json'], viewer)).stdout) as { id: string; deliveries: { channel: string; status: string }[] }[];
    expect(json.find((a) => a.id === alert.id)?.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'hook', status: 'sent', kind: 'alert' }),
        expect.objectContaining({ channel: 'down', status: 'pending', attempts: 1, lastError: 'HTTP 503: down' }),
      ]),
    );
  });

  it('exit codes: an unknown channel is 1 and named, a viewer is refused with 4, no server is 3', async () => {
    const before = tests().length;
    const unknown = await orcha(['notify', 'test', '--channel', 'nope'], admin);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no notification channel named nope');
    const unknownJson = await orcha(['notify', 'test', '--channel', 'nope', '--json'], admin);
    expect(unknownJson.code).toBe(1);
    expect(JSON.parse(unknownJson.stdout || unknownJson.stderr).error.code).toBe('ORCHA_ERR_NOT_FOUND');
    const bad = await orcha(['notify', 'test', '--channel', 'Not A Name'], admin);
    expect(bad.code).toBe(2);
    expect((await orcha(['notify', 'test'], viewer)).code).toBe(4);
    expect((await orcha(['notify', 'test'], { ORCHA_URL: 'http://127.0.0.1:9', ORCHA_TOKEN: admin.ORCHA_TOKEN ?? '' })).code).toBe(3);
    expect(tests()).toHaveLength(before); // none of these sent anything
  });
});
