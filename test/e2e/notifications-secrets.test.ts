/**
 * Channel secrets (must-hold 1): a channel URL and an HMAC key read from the environment, a URL read from a file,
 * inline tokens; they work (the receivers get the signed, authenticated messages), and they never reach the logs or
 * an API answer, even when a receiver echoes the request URL back in its error.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

const SECRETS = {
  envQueryKey: 'env-query-key-5f2a9c',
  hmacKey: 'hmac-key-from-env-77b1',
  filePassword: 'file-password-93kd',
  botToken: 'AAH-bot-token-c0ffee42',
  echoQueryKey: 'echo-query-key-4411aa',
};
const BOT = `123456:${SECRETS.botToken}`;

let receiver: RecordingServer;
let orcha: TestOrcha;
let dir: string;
let logs = '';

beforeAll(async () => {
  receiver = await recordingServer({
    '/env-hook': () => ({ body: '{}' }),
    '/file-hook': () => ({ body: '{}' }),
    // A receiver that echoes what it was asked for in its error, secrets included.
    [`/bot${BOT}/sendMessage`]: (r) => ({ status: 401, body: JSON.stringify({ ok: false, description: `Unauthorized: ${r.path}` }) }),
    '/echo-hook': (r) => ({ status: 500, body: `no such hook: ${r.path}?${r.query.toString()}` }),
  });
  const host = receiver.url.replace('http://', '');
  dir = await mkdtemp(join(tmpdir(), 'orcha-notify-secrets-'));
  await writeFile(join(dir, 'hook-url'), `json://ops:${SECRETS.filePassword}@${host}/file-hook\n`, { mode: 0o600 });
  const capture = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  orcha = await startTestOrcha({
    dir,
    warmPolls: 1,
    log: createLogger({ level: 'debug', destination: capture }),
    env: { ORCHA_T_HOOK_URL: `json://${host}/env-hook?key=${SECRETS.envQueryKey}`, ORCHA_T_HMAC: SECRETS.hmacKey },
    config: {
      notifications: {
        channels: [
          { name: 'envhook', url: { env: 'ORCHA_T_HOOK_URL' }, secret: { env: 'ORCHA_T_HMAC' } },
          { name: 'filehook', url: { file: 'hook-url' } },
          { name: 'bot', url: `tgram://${BOT}/777` },
          { name: 'echo', url: `json://${host}/echo-hook?token=${SECRETS.echoQueryKey}` },
        ],
        endpoints: { telegram: receiver.url },
        groupSeconds: 0,
      },
    },
  });
});
afterAll(async () => {
  await orcha?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

it('secrets from the environment and a file work, and appear in no log line and no API answer', async () => {
  const answers: string[] = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(path, orcha.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, json: JSON.parse(text) };
  };

  const tested = await api('POST', '/api/v1/notifications/test', {});
  expect(tested.json.results.map((r: { channel: string; ok: boolean }) => `${r.channel}:${r.ok}`)).toEqual(['bot:false', 'echo:false', 'envhook:true', 'filehook:true']);
  expect(tested.json.results.find((r: { channel: string }) => r.channel === 'bot').error).toContain('Unauthorized: /bot[redacted]/sendMessage');
  expect(tested.json.results.find((r: { channel: string }) => r.channel === 'echo').error).toContain('token=[redacted]');

  // The URL from the environment, signed with the key from the environment.
  const env = receiver.requests.find((r) => r.path === '/env-hook');
  expect(env?.query.get('key')).toBe(SECRETS.envQueryKey);
  const raw = JSON.stringify(env?.body);
  const ts = String(env?.headers['x-orcha-timestamp']);
  expect(env?.headers['x-orcha-signature']).toBe(`sha256=${createHmac('sha256', SECRETS.hmacKey).update(`${ts}.${raw}`).digest('hex')}`);
  // The URL from the file, with its password as basic authentication.
  const file = receiver.requests.find((r) => r.path === '/file-hook');
  expect(Buffer.from(String(file?.headers.authorization).replace('Basic ', ''), 'base64').toString()).toBe(`ops:${SECRETS.filePassword}`);

  // An alert through the outbox: the failing channels log their (scrubbed) errors and keep them per delivery.
  const storj = orcha.sims.sims.get('storj');
  storj?.setFault('http500');
  for (let i = 0; i < 5; i++) await orcha.poll(60_000);
  await orcha.running.notifier.tick();
  expect(logs).toContain('notification failed; will retry');
  await api('GET', '/api/v1/alerts?status=open');
  await api('GET', '/api/v1/notifications/channels');
  await api('GET', '/api/v1/config');
  await api('GET', '/api/v1/config/document');
  await orcha.close();

  for (const [name, value] of Object.entries(SECRETS)) {
    expect({ name, inLogs: logs.includes(value) }).toEqual({ name, inLogs: false });
    for (const [i, text] of answers.entries()) expect({ name, answer: i, leaked: text.includes(value) }).toEqual({ name, answer: i, leaked: false });
  }
});
