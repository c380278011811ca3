/**
 * SPEC §7 on the real daemon: every route of the API × every role. Without credentials a route answers 401 (unless
 * public), with too little role 403, with enough role 2xx. The expected roles are written out here from the spec
 * (viewer reads; operator also reallocates, acknowledges, edits policies and clears the cache; admin also config,
 * users, keys, audit), and the table must cover every route of the OpenAPI document, so a new route cannot ship
 * without someone deciding who may call it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RouteRole } from '../../src/auth/roles.js';
import { loadConfig } from '../../src/config/load.js';
import { planningContextOf } from '../../src/fleet/planning-context.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { protocolSample, snapshot } from '../helpers/stores.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Row {
  method: Method;
  /** The route as the OpenAPI document names it. */
  path: string;
  role: RouteRole;
  /** Concrete URL (default: path); called anew for every request (before body) so each acts on a fresh resource. */
  url?: () => Promise<string> | string;
  body?: () => Promise<unknown> | unknown;
  /** Only user tokens can do it (API keys with enough role get 400). */
  usersOnly?: boolean;
}

const ADMIN_PASSWORD = 'admin-password-for-roles-test';
const PASSWORD = 'user-password-1';
let orcha: RunningOrcha;
let dir: string;
const tokens: Record<string, string> = {};
let seq = 0;
const unique = (p: string) => `${p}-${++seq}`;

async function call(method: Method, url: string, token?: string, body?: unknown, requestId?: string) {
  const res = await fetch(new URL(url, orcha.url), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}
const asAdmin = (method: Method, url: string, body?: unknown) => call(method, url, tokens.admin, body);

async function login(username: string, password: string) {
  const res = await call('POST', '/api/v1/auth/login', undefined, { username, password });
  expect(res.status).toBe(200);
  return res.json() as { accessToken: string; refreshToken: string };
}
async function freshUser(): Promise<string> {
  return (await asAdmin('POST', '/api/v1/users', { username: unique('u'), password: PASSWORD, role: 'viewer' })).json().id;
}
async function freshKey(): Promise<string> {
  return (await asAdmin('POST', '/api/v1/api-keys', { name: unique('k'), role: 'viewer' })).json().id;
}
let lastPolicy = '';
async function freshPolicy(): Promise<string> {
  const name = unique('p');
  lastPolicy = name;
  expect((await asAdmin('POST', '/api/v1/policies', { name, rules: [] })).status).toBe(201);
  return name;
}
async function operationId(): Promise<string> {
  return (await asAdmin('POST', '/api/v1/reallocate', { dryRun: true })).json().operationId;
}
let exportId = '';
let currentCaller = '';
let keptUserId = '';
let keptHost = '';
async function freshHost(): Promise<string> {
  const name = unique('host');
  expect((await asAdmin('POST', '/api/v1/hosts', { name })).status).toBe(201);
  return name;
}

const ROWS: Row[] = [
  { method: 'GET', path: '/api/v1/health', role: 'public' },
  { method: 'GET', path: '/metrics', role: 'public' },
  { method: 'POST', path: '/api/v1/auth/login', role: 'public', body: () => ({ username: 'viewer', password: PASSWORD }) },
  { method: 'POST', path: '/api/v1/auth/refresh', role: 'public', body: async () => ({ refreshToken: (await login('viewer', PASSWORD)).refreshToken }) },
  { method: 'POST', path: '/api/v1/auth/logout', role: 'public', body: async () => ({ refreshToken: (await login('viewer', PASSWORD)).refreshToken }) },
  { method: 'GET', path: '/api/v1/auth/me', role: 'viewer' },
  // every caller's password is PASSWORD or ADMIN_PASSWORD; "changing" it to itself keeps the other rows working
  {
    method: 'POST',
    path: '/api/v1/auth/password',
    role: 'viewer',
    usersOnly: true,
    body: () => (currentCaller === 'admin' ? { currentPassword: ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD } : { currentPassword: PASSWORD, newPassword: PASSWORD }),
  },
  { method: 'GET', path: '/api/v1/metrics', role: 'viewer' },
  { method: 'GET', path: '/api/v1/metrics/history', role: 'viewer', url: () => '/api/v1/metrics/history?step=3600' },
  { method: 'GET', path: '/api/v1/energy', role: 'viewer' },
  { method: 'GET', path: '/api/v1/energy/history', role: 'viewer' },
  { method: 'GET', path: '/api/v1/energy/report', role: 'viewer' },
  { method: 'GET', path: '/api/v1/opportunities', role: 'viewer' },
  { method: 'GET', path: '/api/v1/allocation', role: 'viewer' },
  { method: 'GET', path: '/api/v1/reallocation/history', role: 'viewer' },
  { method: 'GET', path: '/api/v1/dashboard', role: 'viewer' },
  { method: 'GET', path: '/api/v1/alerts', role: 'viewer' },
  { method: 'GET', path: '/api/v1/notifications/channels', role: 'viewer' },
  { method: 'POST', path: '/api/v1/notifications/test', role: 'admin', body: () => ({}) },
  { method: 'GET', path: '/api/v1/status', role: 'viewer' },
  { method: 'GET', path: '/api/v1/reports', role: 'viewer' },
  { method: 'GET', path: '/api/v1/payouts', role: 'viewer' },
  { method: 'GET', path: '/api/v1/export', role: 'viewer' },
  { method: 'GET', path: '/api/v1/export/{id}', role: 'viewer', url: () => `/api/v1/export/${exportId}` },
  { method: 'GET', path: '/api/v1/cache/stats', role: 'viewer' },
  { method: 'GET', path: '/api/v1/policies', role: 'viewer' },
  { method: 'GET', path: '/api/v1/policies/{name}', role: 'viewer', url: async () => `/api/v1/policies/${await freshPolicy()}` },
  { method: 'GET', path: '/api/v1/operations/{id}', role: 'viewer', url: async () => `/api/v1/operations/${await operationId()}` },
  { method: 'GET', path: '/api/v1/operations/{id}/result', role: 'viewer', url: async () => `/api/v1/operations/${await operationId()}/result?timeout=20` },
  { method: 'POST', path: '/api/v1/reallocate', role: 'operator', body: () => ({ dryRun: true }) },
  { method: 'POST', path: '/api/v1/alerts/acknowledge', role: 'operator', body: () => ({ ids: ['no-such-alert'] }) },
  { method: 'POST', path: '/api/v1/cache/clear', role: 'operator' },
  { method: 'POST', path: '/api/v1/policies', role: 'operator', body: () => ({ name: unique('p'), rules: [] }) },
  { method: 'PUT', path: '/api/v1/policies/{name}', role: 'operator', url: async () => `/api/v1/policies/${await freshPolicy()}`, body: () => ({ name: lastPolicy, rules: [] }) },
  { method: 'DELETE', path: '/api/v1/policies/{name}', role: 'operator', url: async () => `/api/v1/policies/${await freshPolicy()}` },
  { method: 'POST', path: '/api/v1/policies/{name}/test', role: 'operator', url: async () => `/api/v1/policies/${await freshPolicy()}/test` },
  { method: 'GET', path: '/api/v1/config', role: 'admin' },
  { method: 'GET', path: '/api/v1/config/document', role: 'admin' },
  { method: 'PUT', path: '/api/v1/config', role: 'admin', body: async () => (await asAdmin('GET', '/api/v1/config')).json() },
  { method: 'POST', path: '/api/v1/config/validate', role: 'admin', body: async () => (await asAdmin('GET', '/api/v1/config')).json() },
  { method: 'POST', path: '/api/v1/config/reload', role: 'admin' },
  { method: 'GET', path: '/api/v1/users', role: 'admin' },
  { method: 'POST', path: '/api/v1/users', role: 'admin', body: () => ({ username: unique('u'), password: PASSWORD, role: 'viewer' }) },
  { method: 'GET', path: '/api/v1/users/{id}', role: 'admin', url: () => `/api/v1/users/${keptUserId}` },
  { method: 'PATCH', path: '/api/v1/users/{id}', role: 'admin', url: async () => `/api/v1/users/${await freshUser()}`, body: () => ({ role: 'operator' }) },
  { method: 'DELETE', path: '/api/v1/users/{id}', role: 'admin', url: async () => `/api/v1/users/${await freshUser()}` },
  { method: 'GET', path: '/api/v1/api-keys', role: 'admin' },
  { method: 'POST', path: '/api/v1/api-keys', role: 'admin', body: () => ({ name: unique('k'), role: 'viewer' }) },
  { method: 'DELETE', path: '/api/v1/api-keys/{id}', role: 'admin', url: async () => `/api/v1/api-keys/${await freshKey()}` },
  { method: 'GET', path: '/api/v1/audit', role: 'admin' },
  { method: 'GET', path: '/api/v1/hosts', role: 'viewer' },
  { method: 'POST', path: '/api/v1/hosts', role: 'admin', body: () => ({ name: unique('host') }) },
  { method: 'DELETE', path: '/api/v1/hosts/{name}', role: 'admin', url: async () => `/api/v1/hosts/${await freshHost()}` },
  { method: 'GET', path: '/api/v1/hosts/{name}/metrics', role: 'viewer', url: async () => `/api/v1/hosts/${keptHost}/metrics` },
  { method: 'GET', path: '/api/v1/hosts/{name}/metrics/history', role: 'viewer', url: async () => `/api/v1/hosts/${keptHost}/metrics/history` },
  { method: 'GET', path: '/api/v1/hosts/{name}/plans', role: 'viewer', url: async () => `/api/v1/hosts/${keptHost}/plans` },
  { method: 'GET', path: '/api/v1/fleet', role: 'viewer' },
];
/** Routes that no user role opens: the agents' routes take an agent key only (tested on their own below). */
const AGENT_ONLY = ['POST /api/v1/agent/batches', 'POST /api/v1/agent/outcomes', 'POST /api/v1/agent/plan'];

const RANK: Record<RouteRole, number> = { public: 0, viewer: 1, operator: 2, admin: 3 };
const CALLERS = ['viewer', 'operator', 'admin', 'viewer key', 'operator key', 'admin key'] as const;

describe('every route × every role on the running daemon', () => {
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-roles-'));
    writeFileSync(
      join(dir, 'orcha.yaml'),
      [
        `dataDir: ${join(dir, 'data')}`,
        'server: { host: 127.0.0.1, port: 0 }',
        'intervals: { poll: 1 }',
        // the table makes a few hundred calls and logins from one address
        'rateLimit: { perIp: 100000, perUser: 100000, login: 100000 }',
        '',
      ].join('\n'),
    );
    process.env.ORCHA_ADMIN_PASSWORD = ADMIN_PASSWORD;
    orcha = await startOrcha({ loaded: loadConfig(join(dir, 'orcha.yaml'), process.env), log: silentLogger(), demo: true });
    tokens.admin = (await login('admin', ADMIN_PASSWORD)).accessToken;
    for (const role of ['viewer', 'operator'] as const) {
      expect((await asAdmin('POST', '/api/v1/users', { username: role, password: PASSWORD, role })).status).toBe(201);
      tokens[role] = (await login(role, PASSWORD)).accessToken;
    }
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      tokens[`${role} key`] = (await asAdmin('POST', '/api/v1/api-keys', { name: `${role}-key`, role })).json().key;
    }
    keptUserId = await freshUser();
    keptHost = await freshHost();
    // wait for the first snapshot, so reads have something to answer
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await asAdmin('GET', '/api/v1/metrics')).status !== 200) await new Promise((r) => setTimeout(r, 200));
    const exp = await asAdmin('GET', '/api/v1/export?async=true');
    expect(exp.status).toBe(202);
    exportId = exp.json().operationId;
    expect((await asAdmin('GET', `/api/v1/operations/${exportId}/result?timeout=20`)).json().status).toBe('completed');
  }, 120_000);

  afterAll(async () => {
    await orcha?.close();
    process.env = savedEnv;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the table covers every route of the OpenAPI document', async () => {
    const doc = (await call('GET', '/docs/json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/users/{id}', '/api/v1/api-keys', '/api/v1/audit']));
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'head').map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const tabled = [...ROWS.map((r) => `${r.method} ${r.path}`), ...AGENT_ONLY].sort();
    expect(documented.filter((r) => !tabled.includes(r))).toEqual([]);
  });

  it('POST /api/v1/agent/batches opens with an agent key only, never with a user token or API key', { timeout: 120_000 }, async () => {
    const created = (await asAdmin('POST', '/api/v1/hosts', { name: unique('agent-host') })).json() as { key: string };
    const now = Date.now();
    const body = () => ({ batchId: `b${randomUUID().replaceAll('-', '')}`, agentVersion: '0.1.0', snapshots: [snapshot(now, [protocolSample('storj', now)])] });
    expect((await call('POST', '/api/v1/agent/batches', undefined, body())).status).toBe(401);
    for (const caller of CALLERS) {
      const res = await call('POST', '/api/v1/agent/batches', tokens[caller], body());
      expect({ caller, status: res.status }).toEqual({ caller, status: 401 });
    }
    const accepted = await call('POST', '/api/v1/agent/batches', created.key, body());
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toMatchObject({ result: 'stored', snapshots: 1 });
  });

  it('POST /api/v1/agent/plan opens with an agent key only; a host no replica has planned for gets no plan', { timeout: 120_000 }, async () => {
    const created = (await asAdmin('POST', '/api/v1/hosts', { name: unique('plan-host') })).json() as { key: string };
    const body = { planning: planningContextOf(orcha.config()) };
    expect((await call('POST', '/api/v1/agent/plan', undefined, body)).status).toBe(401);
    for (const caller of CALLERS) {
      const res = await call('POST', '/api/v1/agent/plan', tokens[caller], body);
      expect({ caller, status: res.status }).toEqual({ caller, status: 401 });
    }
    const accepted = await call('POST', '/api/v1/agent/plan', created.key, body);
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toEqual({ plan: null, request: null });
  });

  it('POST /api/v1/agent/outcomes opens with an agent key only; an outcome of a plan the host never got matches nothing', { timeout: 120_000 }, async () => {
    const created = (await asAdmin('POST', '/api/v1/hosts', { name: unique('outcome-host') })).json() as { key: string };
    const body = { outcomes: [{ planId: 'plan-never-made', status: 'applied', reason: null, reallocationId: null, at: Date.now() }] };
    expect((await call('POST', '/api/v1/agent/outcomes', undefined, body)).status).toBe(401);
    for (const caller of CALLERS) {
      const res = await call('POST', '/api/v1/agent/outcomes', tokens[caller], body);
      expect({ caller, status: res.status }).toEqual({ caller, status: 401 });
    }
    const accepted = await call('POST', '/api/v1/agent/outcomes', created.key, body);
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toEqual({ recorded: 0 });
  });

  it.each(ROWS)('$method $path: $role', { timeout: 120_000 }, async (row) => {
    const mutating = row.method !== 'GET';
    const requestIds: string[] = [];
    const send = async (token?: string) => {
      const url = row.url ? await row.url() : row.path;
      const requestId = randomUUID();
      if (mutating) requestIds.push(requestId);
      return call(row.method, url, token, row.body ? await row.body() : undefined, requestId);
    };
    const anonymous = await send();
    if (row.role === 'public') expect({ anonymous: anonymous.status < 300 }).toEqual({ anonymous: true });
    else {
      expect(anonymous.status).toBe(401);
      expect(anonymous.json().error.code).toBe('ORCHA_ERR_UNAUTHORIZED');
    }
    for (const caller of CALLERS) {
      const role = caller.split(' ')[0] as RouteRole;
      currentCaller = caller;
      const res = await send(tokens[caller]);
      if (row.usersOnly && caller.endsWith('key') && RANK[role] >= RANK[row.role]) {
        expect({ caller, status: res.status }).toEqual({ caller, status: 400 });
        continue;
      }
      const allowed = RANK[role] >= RANK[row.role];
      const outcome = res.status >= 200 && res.status < 300 ? '2xx' : String(res.status);
      expect({ caller, outcome, body: outcome === '2xx' || outcome === '403' ? '' : res.text }).toEqual({ caller, outcome: allowed ? '2xx' : '403', body: '' });
    }
    if (mutating) {
      // every one of those calls (allowed, refused, anonymous) left exactly one audit row
      const entries = (await asAdmin('GET', '/api/v1/audit?limit=1000')).json().entries as { requestId: string; actor: string; action: string; sourceIp: string }[];
      for (const id of requestIds) {
        const rows = entries.filter((e) => e.requestId === id);
        expect({ id, rows: rows.length }).toEqual({ id, rows: 1 });
        expect(rows[0]).toMatchObject({ actor: expect.any(String), action: expect.any(String), sourceIp: expect.any(String) });
      }
    }
  });

  it('hardening: security headers, no CORS by default, 413 over the body limit, 404 in the error shape', async () => {
    const res = await fetch(new URL('/api/v1/health', orcha.url), { headers: { origin: 'https://elsewhere.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-ratelimit-limit')).toBe('100000');
    const big = await call('POST', '/api/v1/auth/login', undefined, { username: 'admin', password: 'x'.repeat(2_000_000) });
    expect(big.status).toBe(413);
    expect(big.json().error.code).toBe('ORCHA_ERR_PAYLOAD_TOO_LARGE');
    const missing = await call('GET', '/api/v1/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'ORCHA_ERR_NOT_FOUND', requestId: expect.any(String) });
  });

  describe('WebSocket', () => {
    /** Open /ws, send `first` messages, and collect what comes back until `until` matches or the socket closes. */
    function converse(messages: unknown[], headers: Record<string, string> = {}, until: (m: { type: string }) => boolean = () => false) {
      return new Promise<{ received: { type: string; data: Record<string, unknown> }[]; closeCode: number | null }>((resolve, reject) => {
        const ws = new WebSocket(new URL('/ws', orcha.url.replace(/^http/, 'ws')), { headers });
        const received: { type: string; data: Record<string, unknown> }[] = [];
        const timer = setTimeout(() => ws.close(), 10_000);
        ws.on('open', () => {
          for (const m of messages) ws.send(JSON.stringify(m));
        });
        ws.on('message', (raw) => {
          const m = JSON.parse(raw.toString());
          received.push(m);
          if (until(m)) ws.close();
        });
        ws.on('close', (code) => {
          clearTimeout(timer);
          resolve({ received, closeCode: code });
        });
        ws.on('error', reject);
      });
    }
    const subscribed = (m: { type: string }) => m.type === 'subscribed';
    const allTopics = ['metrics', 'alerts', 'reallocations', 'health', 'operations', 'config'];

    it('a viewer (token in the first message) gets every topic but config', async () => {
      const { received } = await converse([{ type: 'auth', token: tokens.viewer }, { type: 'subscribe', topics: allTopics }], {}, subscribed);
      expect(received.find((m) => m.type === 'authenticated')?.data).toMatchObject({ name: 'viewer', role: 'viewer' });
      expect(received.find((m) => m.type === 'error')?.data).toMatchObject({ code: 'ORCHA_ERR_FORBIDDEN' });
      expect((received.find(subscribed)?.data.topics as string[]).sort()).toEqual(allTopics.filter((t) => t !== 'config').sort());
    });

    it('an admin API key (Authorization header) gets the config topic too', async () => {
      const { received } = await converse([{ type: 'subscribe', topics: allTopics }], { authorization: `Bearer ${tokens['admin key']}` }, subscribed);
      expect(received.find((m) => m.type === 'error')).toBeUndefined();
      expect((received.find(subscribed)?.data.topics as string[]).sort()).toEqual([...allTopics].sort());
    });

    it('a bad token or no authentication gets nothing and is disconnected', async () => {
      const forged = `${tokens.viewer.slice(0, -4)}AAAA`;
      const bad = await converse([{ type: 'auth', token: forged }, { type: 'subscribe', topics: ['metrics'] }]);
      expect(bad.received.map((m) => m.type)).toEqual(['error']);
      expect(bad.closeCode).not.toBe(1000);
      const none = await converse([{ type: 'subscribe', topics: ['metrics'] }]);
      expect(none.received.some((m) => m.type === 'subscribed')).toBe(false);
    });
  });
});
