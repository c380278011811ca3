/**
 * Hostile input against the product as it starts (startOrcha): every query number bounded, deep bodies refused,
 * and every error — Fastify's and Node's own included — in the one shape with X-Request-Id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const PASSWORD = 'bounds-test-password';
let dir: string;
let orcha: RunningOrcha;
let auth: Record<string, string>;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: string) {
  const res = await orcha.app.inject({
    method,
    url,
    headers: { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    payload,
  });
  let json: J = null;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = null;
  }
  return { status: res.statusCode, json, requestId: res.headers['x-request-id'] };
}

function expectShape(res: { status: number; json: J; requestId: unknown }, status: number, field?: string) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.json)).toEqual(['error']);
  expect(res.json.error.code).toMatch(/^ORCHA_ERR_/);
  expect(typeof res.json.error.message).toBe('string');
  expect(res.json.error.requestId).toBe(res.requestId);
  if (field) expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(field);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcha-bounds-'));
  const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0' };
  const config = loadConfigText('server:\n  bodyLimit: 65536\n', env);
  orcha = await startOrcha({
    loaded: { config, path: null, baseDir: dir },
    log: silentLogger(),
    env: { ORCHA_ADMIN_PASSWORD: PASSWORD },
    loops: false,
  });
  const login = await orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  auth = { authorization: `Bearer ${login.json().accessToken}` };
});

afterAll(async () => {
  await orcha?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query parameters are bounded', () => {
  for (const [path, field] of [
    ['/api/v1/alerts?limit=Infinity', 'query.limit'],
    ['/api/v1/alerts?offset=1e999', 'query.offset'],
    ['/api/v1/alerts?offset=-Infinity', 'query.offset'],
    ['/api/v1/reallocation/history?offset=Infinity', 'query.offset'],
    ['/api/v1/reallocation/history?limit=1e999', 'query.limit'],
    ['/api/v1/audit?offset=1e999', 'query.offset'],
    ['/api/v1/audit?limit=Infinity', 'query.limit'],
    ['/api/v1/alerts?offset=1e300', 'query.offset'],
    ['/api/v1/alerts?limit=NaN', 'query.limit'],
    ['/api/v1/operations/x/result?timeout=1e999', 'query.timeout'],
  ] as const) {
    it(`${path} is a 400 naming ${field}`, async () => {
      expectShape(await call('GET', path), 400, field);
    });
  }

  it('keeps answering in-range values', async () => {
    expect((await call('GET', '/api/v1/alerts?limit=1000&offset=1000000')).status).toBe(200);
    expect((await call('GET', '/api/v1/audit?limit=1&offset=0')).status).toBe(200);
  });
});

describe('bodies are bounded', () => {
  it('refuses a JSON body nested deeper than the bound, naming body', async () => {
    const deep = `${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
    expectShape(await call('PUT', '/api/v1/config', deep), 400, 'body');
    const deepArray = `{"ids":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expectShape(await call('POST', '/api/v1/alerts/acknowledge', deepArray), 400, 'body');
    // brackets inside strings are text, not nesting
    const text = JSON.stringify({ ids: ['['.repeat(40)] });
    expect((await call('POST', '/api/v1/alerts/acknowledge', text)).status).toBe(200);
  });

  it('answers an over-large body with 413 in the error shape', async () => {
    expectShape(await call('POST', '/api/v1/config/validate', JSON.stringify({ x: 'y'.repeat(70_000) })), 413);
  });

  it('answers invalid JSON with 400 naming body', async () => {
    expectShape(await call('POST', '/api/v1/config/validate', '{"a":'), 400, 'body');
  });
});

describe("Fastify's and Node's own errors use the one shape", () => {
  it('bad URL encoding', async () => {
    expectShape(await call('GET', '/%'), 400, 'url');
    expectShape(await call('GET', '/api/v1/alerts?limit=%'), 400);
  });

  it('unknown routes and over-long path parameters', async () => {
    expectShape(await call('GET', '/api/v1/nope'), 404);
    expectShape(await call('GET', `/api/v1/operations/${'a'.repeat(5000)}`), 404);
    expectShape(await call('GET', `/api/v1/policies/${'p'.repeat(65)}`), 400, 'params.name');
  });

  it('headers larger than the limit (refused by the HTTP parser itself)', async () => {
    const { status, body, requestId } = await new Promise<{ status: number; body: string; requestId: unknown }>((resolve, reject) => {
      const req = httpRequest(`${orcha.url}/api/v1/health`, { headers: { 'x-big': 'a'.repeat(20_000) } }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, requestId: res.headers['x-request-id'] }));
      });
      req.on('error', reject);
      req.end();
    });
    expectShape({ status, json: JSON.parse(body), requestId }, 431);
  });
});

describe('GET metrics/history', () => {
  it('answers 200 with no parameters: the last 24 h at a step that fits the point limit', async () => {
    const res = await call('GET', '/api/v1/metrics/history');
    expect(res.status).toBe(200);
    const span = Date.parse(res.json.to) - Date.parse(res.json.from);
    expect(span).toBe(24 * 3_600_000);
    // 24 h of 5 s polls is 17,281 points: the answer names the step it chose
    expect(res.json.stepSeconds).toBe(10);
    expect(span / (res.json.stepSeconds * 1000) + 1).toBeLessThanOrEqual(10_000);
  });

  it('chooses a coarser step for a longer range and none when raw points fit', async () => {
    const year = await call('GET', '/api/v1/metrics/history?from=2025-01-01&to=2026-01-01');
    expect(year.status).toBe(200);
    expect(year.json.stepSeconds).toBe(3600);
    const hour = await call('GET', '/api/v1/metrics/history?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z');
    expect(hour.status).toBe(200);
    expect(hour.json.stepSeconds).toBeNull();
  });

  it('still refuses an explicit step that is too fine, naming the minimum', async () => {
    const res = await call('GET', '/api/v1/metrics/history?step=1s');
    expectShape(res, 400, 'query.step');
    expect(res.json.error.details[0].message).toBe('must be at least 9 seconds for this range');
  });
});
