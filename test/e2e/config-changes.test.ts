/**
 * A rejected configuration change, through the product as it starts (startOrcha with a config file): `PUT config`,
 * `POST config/reload` and an edit of the file are validated completely first; a rejected one writes nothing,
 * applies nothing and raises a `config_invalid` alert naming the fields.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const PASSWORD = 'config-changes-password';
let dir: string;
let file: string;
let orcha: RunningOrcha;
let auth: Record<string, string>;

const FILE = (poll: number, token: string) =>
  [
    'server: { host: 127.0.0.1, port: 0 }',
    `intervals: { poll: ${poll} }`,
    'protocols:',
    `  - { name: golem, type: golem, endpoint: "http://127.0.0.1:9", credentials: { token: ${token} } }`,
    '',
  ].join('\n');

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

async function call(method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: J }> {
  const res = await orcha.app.inject({ method, url, headers: auth, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() };
}

async function openConfigAlert(): Promise<J> {
  const res = await call('GET', '/api/v1/alerts?type=config_invalid&status=open');
  return res.json.alerts[0] ?? null;
}

async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcha-config-changes-'));
  file = join(dir, 'orcha.yaml');
  writeFileSync(file, `dataDir: ${join(dir, 'data')}\n${FILE(5, 'inline-token')}`);
  orcha = await startOrcha({ loaded: loadConfig(file, {}), log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD }, loops: false, listen: false });
  const login = await orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  auth = { authorization: `Bearer ${login.json().accessToken}` };
});

afterAll(async () => {
  await orcha?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a rejected configuration change', () => {
  it('PUT config with a secret reference that does not resolve: 400 naming the field, nothing written or applied, an alert', async () => {
    const before = readFileSync(file, 'utf8');
    const current = (await call('GET', '/api/v1/config')).json;
    const edited = { ...current, intervals: { ...current.intervals, poll: 9 } };
    edited.protocols[0].credentials.token = { env: 'ORCHA_TEST_UNSET_SECRET' };
    const res = await call('PUT', '/api/v1/config', edited);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('ORCHA_ERR_CONFIG_INVALID');
    expect(res.json.error.details).toEqual([
      { path: 'body.protocols[0].credentials.token.env', message: 'environment variable ORCHA_TEST_UNSET_SECRET is not set' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await call('GET', '/api/v1/config')).json.intervals.poll).toBe(5);
    const alert = await until(openConfigAlert, 'the config_invalid alert');
    expect(alert.message).toContain('protocols[0].credentials.token.env');
  });

  it('PUT config with an absurd interval or an unknown log level is refused the same way', async () => {
    const current = (await call('GET', '/api/v1/config')).json;
    const res = await call('PUT', '/api/v1/config', { ...current, intervals: { ...current.intervals, poll: 1e10 }, log: { level: 'nonsense' } });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.intervals.poll', 'body.log.level']);
    expect((await call('GET', '/api/v1/config')).json.intervals.poll).toBe(5);
  });

  it('an edit of the file with a missing secret file raises the alert naming the field; POST config/reload refuses it too', async () => {
    writeFileSync(file, `dataDir: ${join(dir, 'data')}\n${FILE(7, '{ file: missing-token }')}`);
    const alert = await until(async () => {
      const a = await openConfigAlert();
      return a && String(a.message).includes('missing-token') ? a : null;
    }, 'the alert for the file edit');
    expect(alert.message).toContain('protocols[0].credentials.token.file');
    const reload = await call('POST', '/api/v1/config/reload');
    expect(reload.status).toBe(400);
    expect(reload.json.error.details[0].path).toBe('protocols[0].credentials.token.file');
    expect(orcha.services.config.current().intervals.poll).toBe(5);
    expect(orcha.services.config.current().protocols[0]?.credentials?.token).toBe('inline-token');
  });

  it('once the file is valid again it applies and the alert resolves', async () => {
    writeFileSync(join(dir, 'missing-token'), 'now-there\n');
    const reload = await call('POST', '/api/v1/config/reload');
    expect(reload.status).toBe(200);
    expect(orcha.services.config.current().intervals.poll).toBe(7);
    await until(async () => ((await openConfigAlert()) === null ? true : null), 'the alert to resolve');
  });
});
