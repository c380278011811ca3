/**
 * Fuzz every route of the OpenAPI document (`/docs/json`) on the product as it starts (startOrcha), as an admin:
 * hostile path parameters, query values (non-finite and huge numbers, long and odd strings, repeated and unknown
 * keys) and bodies (random JSON from a fixed seed, schema-shaped bodies with hostile values, deep nesting, broken
 * JSON, wrong content types). No answer is a 5xx; every error is in the one shape with X-Request-Id; no stack leaks.
 * Bounded: a fixed number of cases per route (about 1,100 requests in all), through app.inject.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const PASSWORD = 'fuzz-admin-password';
const SEED = 12;
const RANDOM_BODIES_PER_ROUTE = 12;

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI and JSON walked by key
type J = any;

interface Case {
  method: string;
  url: string;
  payload?: string;
  contentType?: string;
}

const HOSTILE_NUMBERS = ['Infinity', '-Infinity', 'NaN', '1e999', '-1e999', '1e308', '-1', '0', '1.5', '9007199254740993', '', 'abc', '0x10'];
const HOSTILE_STRINGS = ['', 'x'.repeat(5000), '%00', '..%2F..%2Fetc%2Fpasswd', '%F0%9F%92%A5', '%C0%AF', '%', "' OR 1=1 --", '1e999', '<script>'];
const HOSTILE_PATH_PARAMS = ['x', 'x'.repeat(101), 'x'.repeat(3000), '%', '%2e%2e', '-1', '1e999', '%00', 'NaN', '%E2%80%AE'];
const HOSTILE_VALUES: unknown[] = [null, true, -1, 0, 1e308, -1e308, 2 ** 53 + 1, 'x'.repeat(20_000), '', [], {}, [null], { '': 1 }, '__proto__'];

let dir: string;
let orcha: RunningOrcha;
let auth: Record<string, string>;
let doc: J;

/** A body shaped like the schema, with one property (or the whole value) replaced by a hostile value. */
function shapedBodies(schema: J): unknown[] {
  if (!schema || schema.type !== 'object' || !schema.properties) return HOSTILE_VALUES;
  const base: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries<J>(schema.properties)) {
    base[key] = prop.default ?? (prop.type === 'number' || prop.type === 'integer' ? 1 : prop.type === 'boolean' ? true : prop.type === 'array' ? [] : 'x');
  }
  const out: unknown[] = [base, ...HOSTILE_VALUES];
  for (const key of Object.keys(schema.properties)) for (const value of HOSTILE_VALUES.slice(0, 8)) out.push({ ...base, [key]: value });
  return out;
}

function casesFor(path: string, method: string, op: J): Case[] {
  const params: J[] = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  const fill = (value: string) => path.replace(/\{[^}]+\}/g, value);
  const cases: Case[] = [];
  const urls = pathParams.length > 0 ? HOSTILE_PATH_PARAMS.map(fill) : [path];
  for (const url of urls) cases.push({ method, url });
  const url0 = urls[0] as string;
  for (const q of query) {
    const values = q.schema?.type === 'number' || q.schema?.type === 'integer' ? HOSTILE_NUMBERS : HOSTILE_STRINGS;
    for (const v of values) cases.push({ method, url: `${url0}?${q.name}=${v}` });
    cases.push({ method, url: `${url0}?${q.name}=1&${q.name}=2` });
  }
  if (query.length > 0) cases.push({ method, url: `${url0}?${query.map((q) => `${q.name}=1e999`).join('&')}&unknownKey=1` });
  if (op.requestBody) {
    const schema = op.requestBody.content?.['application/json']?.schema;
    const random = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: SEED, numRuns: RANDOM_BODIES_PER_ROUTE });
    for (const body of [...shapedBodies(schema), ...random]) cases.push({ method, url: url0, payload: JSON.stringify(body) });
    cases.push({ method, url: url0, payload: `${'['.repeat(10_000)}${']'.repeat(10_000)}` });
    cases.push({ method, url: url0, payload: '{"a":' });
    cases.push({ method, url: url0, payload: '' });
    cases.push({ method, url: url0, payload: 'x=1', contentType: 'application/x-www-form-urlencoded' });
    cases.push({ method, url: url0, payload: 'plain', contentType: 'text/plain' });
  }
  return cases;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcha-fuzz-'));
  // High limits: the fuzz makes a few thousand calls from one address.
  const config = loadConfigText('rateLimit: { perIp: 1000000, perUser: 1000000, login: 1000000 }\n', { ORCHA_DATA_DIR: dir });
  orcha = await startOrcha({ loaded: { config, path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD }, loops: false, listen: false });
  await orcha.coordinator.pollOnce({ force: true });
  const login = await orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  auth = { authorization: `Bearer ${login.json().accessToken}` };
  doc = (await orcha.app.inject({ method: 'GET', url: '/docs/json' })).json();
}, 60_000);

afterAll(async () => {
  await orcha?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuzzing every route in the OpenAPI document', () => {
  it('finds no 5xx, and every error is in the one shape with X-Request-Id', async () => {
    const operations = Object.entries<J>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<J>(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const running = orcha.services.config.raw();
    const failures: string[] = [];
    let requests = 0;
    for (const { path, method, op } of operations) {
      // Logging out or changing the password would end the session the fuzz runs in.
      if (path === '/api/v1/auth/logout' || path === '/api/v1/auth/password') continue;
      for (const c of casesFor(path, method, op)) {
        const res = await orcha.app.inject({
          method: c.method as 'GET',
          url: c.url,
          headers: { ...auth, ...(c.payload !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}) },
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
        });
        requests++;
        const what = `${c.method} ${c.url.slice(0, 120)} ${c.payload?.slice(0, 80) ?? ''} -> ${res.statusCode}`;
        if (res.statusCode >= 500) failures.push(`${what}: ${res.body.slice(0, 200)}`);
        if (/\bat .+\.(ts|js):\d+/.test(res.body)) failures.push(`${what}: stack trace in the body`);
        if (res.statusCode >= 400) {
          let body: J = null;
          try {
            body = JSON.parse(res.body);
          } catch {
            body = null;
          }
          const shaped =
            body && Object.keys(body).join() === 'error' && typeof body.error.code === 'string' && typeof body.error.message === 'string';
          if (!shaped || body.error.requestId !== res.headers['x-request-id']) failures.push(`${what}: not in the error shape: ${res.body.slice(0, 200)}`);
        }
        // A valid configuration may have been applied: put the fuzz's own back (its rate limits).
        if (path.startsWith('/api/v1/config') && method !== 'GET' && res.statusCode === 200) await orcha.services.config.put(running);
      }
    }
    // Paths no route declares: bad encoding and unknown routes answer in the same shape.
    for (const url of ['/%', '/api/v1/%zz', '/api/v1/nope', `/api/v1/${'x'.repeat(10_000)}`]) {
      const res = await orcha.app.inject({ method: 'GET', url, headers: auth });
      requests++;
      const body = JSON.parse(res.body);
      if (res.statusCode >= 500 || body.error?.requestId !== res.headers['x-request-id']) failures.push(`GET ${url.slice(0, 40)} -> ${res.statusCode}`);
    }
    expect(requests).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 120_000);
});
