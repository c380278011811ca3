/**
 * SPEC §6/§7: secrets given in the config file, in files and in the environment never show up in the logs or in
 * any API answer. The real daemon is started (startOrcha) with every log line captured, pointed at fake nodes that
 * refuse the credentials (so adapter errors are logged and alerted), and driven through login, adapters
 * (health, status, alerts) and config endpoints.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const SECRETS = {
  inlineNodeToken: secret('inline-node-token'),
  envNodeToken: secret('env-node-token'),
  fileNodePassword: secret('file-node-password'),
  jwtSecret: secret('jwt-secret-jwt-secret-jwt-secret'),
  adminPassword: secret('admin-password'),
};
const ENV_TOKEN_NAME = 'E2E_GRASS_NODE_TOKEN';

describe('secrets stay secret', () => {
  let dir: string;
  let node: Server;
  let orcha: RunningOrcha;
  let logText = '';
  const responses: { what: string; body: string; headers: string }[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-secrets-'));
    // A node that refuses every credential, so each poll fails with an auth error that gets logged.
    node = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
    });
    await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
    const nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'myst-password'), `${SECRETS.fileNodePassword}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'orcha.yaml'),
      [
        `dataDir: ${join(dir, 'data')}`,
        'server: { host: 127.0.0.1, port: 0 }',
        'intervals: { poll: 1 }',
        'simulators: { enabled: false }',
        'auth:',
        `  jwtSecret: ${SECRETS.jwtSecret}`,
        'protocols:',
        `  - { name: golem, type: golem, endpoint: "${nodeUrl}", credentials: { token: ${SECRETS.inlineNodeToken} } }`,
        `  - { name: grass, type: grass, endpoint: "${nodeUrl}", credentials: { token: { env: ${ENV_TOKEN_NAME} } } }`,
        `  - { name: myst, type: mysterium, endpoint: "${nodeUrl}", credentials: { username: myst, password: { file: myst-password } } }`,
        '',
      ].join('\n'),
    );
    process.env[ENV_TOKEN_NAME] = SECRETS.envNodeToken;
    process.env.ORCHA_ADMIN_PASSWORD = SECRETS.adminPassword;
    const capture = new Writable({
      write(chunk, _enc, cb) {
        logText += chunk.toString();
        cb();
      },
    });
    const log = createLogger({ level: 'debug', destination: capture });
    orcha = await startOrcha({ loaded: loadConfig(join(dir, 'orcha.yaml'), process.env), log });
    responses.push({ what: 'banner', body: orcha.banner.join('\n'), headers: '' });
  });

  afterAll(async () => {
    await orcha?.close();
    await new Promise<void>((r) => node?.close(() => r()));
    process.env = savedEnv;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function call(what: string, method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(new URL(path, orcha.url), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const headers: string[] = [];
    res.headers.forEach((value, name) => {
      headers.push(`${name}: ${value}`);
    });
    responses.push({ what, body: text, headers: headers.join('\n') });
    return { status: res.status, text, json: () => JSON.parse(text) };
  }

  it('never logs or returns a secret', { timeout: 90_000 }, async () => {
    const wrong = await call('wrong login', 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: `${SECRETS.adminPassword}x` });
    expect(wrong.status).toBe(401);
    const login = await call('login', 'POST', '/api/v1/auth/login', undefined, { username: 'admin', password: SECRETS.adminPassword });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.json();

    // Let the adapters fail against the refusing node a few times (each failure is logged).
    const deadline = Date.now() + 40_000;
    const failedPolls = () => ['golem', 'grass', 'myst'].every((p) => logText.includes(`"protocol":"${p}","code":"ORCHA_ERR_ADAPTER_AUTH"`));
    while (Date.now() < deadline && !failedPolls()) await new Promise((r) => setTimeout(r, 100));
    expect(failedPolls()).toBe(true);

    for (const [what, path] of [
      ['health', '/api/v1/health'],
      ['status', '/api/v1/status'],
      ['alerts', '/api/v1/alerts'],
      ['config', '/api/v1/config'],
      ['config document', '/api/v1/config/document'],
      ['openapi', '/docs/json'],
    ] as const) {
      expect((await call(what, 'GET', path, accessToken)).status).toBeLessThan(500);
    }
    const shown = await call('config again', 'GET', '/api/v1/config', accessToken);
    // the secrets were there, and were replaced
    expect(shown.text).toContain('"golem"');
    expect(shown.text).toContain('[redacted]');
    const running = shown.json();
    const validated = await call('config validate', 'POST', '/api/v1/config/validate', accessToken, running.config ?? running);
    expect(validated.status).toBeLessThan(500);
    const put = await call('config put', 'PUT', '/api/v1/config', accessToken, running.config ?? running);
    expect(put.status).toBeLessThan(500);
    // The file's document (what the dashboard edits) round-trips the same way, secrets kept as they were.
    const document = await call('config document again', 'GET', '/api/v1/config/document', accessToken);
    expect(document.text).toContain('[redacted]');
    expect((await call('config document put', 'PUT', '/api/v1/config', accessToken, document.json())).status).toBe(200);
    const key = await call('api key', 'POST', '/api/v1/api-keys', accessToken, { name: 'ci', role: 'viewer' });
    expect(key.status).toBe(201);
    const apiKey = key.json().key as string;
    responses.pop(); // the one answer that must carry a new key
    await call('api key use', 'GET', '/api/v1/auth/me', apiKey);
    await call('users', 'POST', '/api/v1/users', accessToken, { username: 'ops', password: `${SECRETS.adminPassword}-ops`, role: 'operator' });
    await call('refresh', 'POST', '/api/v1/auth/refresh', undefined, { refreshToken });
    await call('audit', 'GET', '/api/v1/audit', accessToken);
    await orcha.close();

    expect(logText.length).toBeGreaterThan(0);
    const everywhere = Object.entries(SECRETS);
    for (const [name, value] of everywhere) {
      expect({ name, inLogs: logText.includes(value) }).toEqual({ name, inLogs: false });
      for (const r of responses) {
        expect({ name, response: r.what, leaked: r.body.includes(value) || r.headers.includes(value) }).toEqual({ name, response: r.what, leaked: false });
      }
    }
    // Credentials the API hands out are never logged either.
    for (const [name, value] of [['access token', accessToken], ['refresh token', refreshToken], ['api key', apiKey]]) {
      expect({ name, inLogs: logText.includes(value) }).toEqual({ name, inLogs: false });
    }
  });
});
