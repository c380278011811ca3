import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

let server: TestOrcha;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: J = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

function expectError(res: { status: number; json: J; headers: Headers }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.json.error.code).toBe(code);
  expect(typeof res.json.error.message).toBe('string');
  expect(res.json.error.requestId).toBe(res.headers.get('x-request-id'));
}

beforeAll(async () => {
  server = await startTestOrcha();
});
afterAll(async () => {
  await server?.close();
});

describe('REST API against the simulators', () => {
  it('GET metrics returns the latest snapshot with ISO times', async () => {
    const res = await api('GET', '/api/v1/metrics');
    expect(res.status).toBe(200);
    expect(res.json.protocols.length).toBe(6);
    expect(res.json.time).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(res.json.protocols[0].time).toMatch(/Z$/);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a sane X-Request-Id from the client and replaces a bad one', async () => {
    const kept = await api('GET', '/api/v1/health', undefined, { 'x-request-id': 'abc-123' });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await api('GET', '/api/v1/health', undefined, { 'x-request-id': 'bad id\twith spaces' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET metrics/history downsamples a range and refuses an unbounded one naming query.step', async () => {
    const from = new Date(Date.UTC(2025, 11, 31, 23)).toISOString();
    const to = new Date(Date.UTC(2026, 0, 1, 1)).toISOString();
    const ok = await api('GET', `/api/v1/metrics/history?from=${from}&to=${to}&step=1m`);
    expect(ok.status).toBe(200);
    expect(ok.json.points.length).toBeGreaterThan(0);
    expect(ok.json.stepSeconds).toBe(60);
    expect(ok.json.protocols.some((p: J) => p.protocol === 'storj')).toBe(true);
    const one = await api('GET', `/api/v1/metrics/history?from=${from}&to=${to}&step=5m&protocol=golem`);
    expect(one.json.protocols.every((p: J) => p.protocol === 'golem')).toBe(true);
    const tooMany = await api('GET', '/api/v1/metrics/history?from=2020-01-01&to=2026-01-01&step=1m');
    expectError(tooMany, 400, 'ORCHA_ERR_VALIDATION');
    expect(tooMany.json.error.details[0].path).toBe('query.step');
    const badStep = await api('GET', '/api/v1/metrics/history?step=often');
    expectError(badStep, 400, 'ORCHA_ERR_VALIDATION');
    expect(badStep.json.error.details[0].path).toBe('query.step');
    const badFrom = await api('GET', '/api/v1/metrics/history?from=yesterday');
    expect(badFrom.json.error.details[0].path).toBe('query.from');
    const unknownParam = await api('GET', '/api/v1/metrics/history?colour=red');
    expect(unknownParam.json.error.details[0].path).toBe('query.colour');
  });

  it('GET opportunities, allocation (current and optimal) and dashboard', async () => {
    const opp = await api('GET', '/api/v1/opportunities');
    expect(opp.status).toBe(200);
    expect(Array.isArray(opp.json.opportunities)).toBe(true);
    const alloc = await api('GET', '/api/v1/allocation');
    expect(alloc.status).toBe(200);
    expect(Object.keys(alloc.json.current)).toContain('storj');
    expect(alloc.json.optimal).not.toBeNull();
    expect(alloc.json.plan.createdAt).toMatch(/Z$/);
    const dash = await api('GET', '/api/v1/dashboard');
    expect(dash.status).toBe(200);
    expect(dash.json.snapshot.protocols).toHaveLength(6);
    expect(dash.json.mode).toBe('advisory');
  });

  it('GET health lists the database, each adapter and each executor', async () => {
    const res = await api('GET', '/api/v1/health');
    expect(res.status).toBe(200);
    const kinds = res.json.checks.map((c: J) => c.kind);
    expect(kinds).toContain('database');
    expect(res.json.checks.filter((c: J) => c.kind === 'adapter')).toHaveLength(6);
    expect(res.json.checks.filter((c: J) => c.kind === 'executor')).toHaveLength(6);
  });

  it('adds and revokes a fleet host (routes that note audit details work with security off too)', async () => {
    const added = await api('POST', '/api/v1/hosts', { name: 'rack-9' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ name: 'rack-9', key: expect.stringMatching(/^orcha-agent_/) });
    expect((await api('DELETE', '/api/v1/hosts/rack-9')).status).toBeLessThan(300);
  });

  it('GET status', async () => {
    const res = await api('GET', '/api/v1/status');
    expect(res.status).toBe(200);
    expect(res.json.mode).toBe('advisory');
    expect(res.json.coordinator.adapters).toHaveLength(6);
    expect(res.json.queue.capacity).toBeGreaterThan(0);
    // Each node's own health rides along: Storj's version, QUIC and satellites, Golem's drivers, Grass's IP score.
    const health = Object.fromEntries(res.json.coordinator.adapters.map((a: J) => [a.protocol, a.nodeHealth]));
    expect(health.storj).toMatchObject({ version: expect.any(String), upToDate: true, quic: 'OK', problems: [] });
    expect(health.storj.satellites.length).toBeGreaterThan(0);
    expect(health.golem).toMatchObject({ problems: [] });
    expect(health.grass.ipScore).toEqual(expect.any(Number));
    // Mysterium: its sessions (served now, and in the last 24 h) and quality, as the node states them.
    expect(health.mysterium).toMatchObject({ activeSessions: expect.any(Number), sessions24h: expect.any(Number), quality: expect.any(Number) });
    // ...and stored as node health, so a restart or a history view still has them.
    const stored = async () => (await server.store.nodeHealth.latest()).find((r) => r.protocol === 'mysterium')?.health;
    await expect.poll(stored).toMatchObject({ activeSessions: health.mysterium.activeSessions, sessions24h: health.mysterium.sessions24h });
    const storj = res.json.coordinator.adapters.find((a: J) => a.protocol === 'storj');
    expect(Date.parse(storj.nodeHealthAt)).toBeGreaterThan(0);
    const metrics = await api('GET', '/api/v1/metrics');
    const sample = metrics.json.protocols.find((p: J) => p.protocol === 'storj');
    // The simulated Storj node is young: the network holds back 75 % of its earnings, reported as held.
    expect(sample.health).toMatchObject({ version: expect.any(String) });
    expect(sample.health.heldTokens).toBeGreaterThan(0);
  });

  it('unknown routes answer 404 in the error shape', async () => {
    expectError(await api('GET', '/api/v1/nope'), 404, 'ORCHA_ERR_NOT_FOUND');
    expectError(await api('DELETE', '/api/v1/metrics'), 404, 'ORCHA_ERR_NOT_FOUND');
  });

  // Its validity is checked by a real OpenAPI linter in openapi-lint.test.ts.
  it('the OpenAPI document lists every route', async () => {
    const res = await api('GET', '/docs/json');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.0.3');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(res.json.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const registered = server.app.routeList
      .filter((r) => !r.hidden && r.method !== 'HEAD' && !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(registered.length).toBeGreaterThan(25);
    for (const route of registered) expect(documented.has(route), route).toBe(true);
    for (const expected of [
      'GET /api/v1/metrics',
      'GET /api/v1/metrics/history',
      'POST /api/v1/reallocate',
      'GET /api/v1/operations/{id}/result',
      'POST /api/v1/policies/{name}/test',
      'GET /api/v1/cache/stats',
      'PUT /api/v1/config',
    ]) {
      expect(documented.has(expected), expected).toBe(true);
    }
    const docs = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
  });
});

async function waitDone(operationId: string) {
  const res = await api('GET', `/api/v1/operations/${operationId}/result?timeout=20`);
  expect(res.status).toBe(200);
  return res.json;
}

describe('operations', () => {
  it('POST reallocate answers 202 and the long-poll returns the finished operation', async () => {
    const res = await api('POST', '/api/v1/reallocate', { dryRun: true, priority: 'critical' });
    expect(res.status).toBe(202);
    expect(res.json.status).toBe('pending');
    expect(res.headers.get('location')).toBe(`/api/v1/operations/${res.json.operationId}`);
    const done = await waitDone(res.json.operationId);
    expect(done.status).toBe('completed');
    expect(done.kind).toBe('reallocate');
    expect(done.priority).toBe('critical');
    expect(done.result.dryRun).toBe(true);
    expect(done.finishedAt).toMatch(/Z$/);
    const one = await api('GET', `/api/v1/operations/${res.json.operationId}`);
    expect(one.json.status).toBe('completed');
    const history = await api('GET', '/api/v1/reallocation/history?limit=5');
    expect(history.status).toBe(200);
    expect(history.json.reallocations.some((r: J) => r.id === done.result.id)).toBe(true);
    // Each protocol's own part of the projection is recorded with the decision, and they add up to the plan's gain.
    const deltas = done.result.projectedDeltas as Record<string, number>;
    expect(Object.keys(deltas).sort()).toEqual(Object.keys(done.result.before).sort());
    expect(Object.values(deltas).reduce((a, b) => a + b, 0)).toBeCloseTo(done.result.projectedImprovementUsdPerHour, 5);
    expect(history.json.reallocations.find((r: J) => r.id === done.result.id).projectedDeltas).toEqual(deltas);
  });

  it('the long-poll returns as soon as the operation completes, before its timeout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    server.services.operations.register('report', async () => {
      await gate;
      return { ok: true };
    });
    const op = await server.services.operations.submit({ kind: 'report', params: {} });
    const started = Date.now();
    const polled = api('GET', `/api/v1/operations/${op.id}/result?timeout=60`);
    setTimeout(release, 100);
    const res = await polled;
    expect(res.json.status).toBe('completed');
    // Generous bound: the point is that it did not wait for the 60 s timeout.
    expect(Date.now() - started).toBeLessThan(30_000);
    let releaseSecond!: () => void;
    const second = new Promise<void>((r) => {
      releaseSecond = r;
    });
    server.services.operations.register('report', () => second);
    const slow = await server.services.operations.submit({ kind: 'report', params: {} });
    const early = await api('GET', `/api/v1/operations/${slow.id}/result?timeout=0.05`);
    expect(['pending', 'processing']).toContain(early.json.status);
    releaseSecond();
    expect((await waitDone(slow.id)).status).toBe('completed');
  });

  it('rejects bad operation input', async () => {
    const bad = await api('POST', '/api/v1/reallocate', { dryRun: 'yes' });
    expectError(bad, 400, 'ORCHA_ERR_VALIDATION');
    expect(bad.json.error.details[0].path).toBe('body.dryRun');
    const badPriority = await api('POST', '/api/v1/reallocate', { priority: 'urgent' });
    expect(badPriority.json.error.details[0].path).toBe('body.priority');
    const notJson = await api('POST', '/api/v1/reallocate', '{not json');
    expectError(notJson, 400, 'ORCHA_ERR_VALIDATION');
    expectError(await api('GET', '/api/v1/operations/does-not-exist'), 404, 'ORCHA_ERR_NOT_FOUND');
    expectError(await api('GET', '/api/v1/operations/does-not-exist/result?timeout=0'), 404, 'ORCHA_ERR_NOT_FOUND');
    const badTimeout = await api('GET', '/api/v1/operations/x/result?timeout=999');
    expect(badTimeout.json.error.details[0].path).toBe('query.timeout');
  });

  it('refuses a body over the limit with 413', async () => {
    const big = { ids: ['x'.repeat(2_000_000)] };
    expectError(await api('POST', '/api/v1/alerts/acknowledge', big), 413, 'ORCHA_ERR_PAYLOAD_TOO_LARGE');
  });
});

describe('alerts, reports, export, cache', () => {
  it('lists and acknowledges alerts', async () => {
    await server.store.alerts.insert({
      id: 'a-1',
      type: 'earnings_drop',
      severity: 'warning',
      status: 'open',
      dedupKey: 'earnings_drop:storj',
      protocol: 'storj',
      message: 'storj earnings fell 40 %',
      details: null,
      createdAt: Date.UTC(2026, 0, 1),
      updatedAt: Date.UTC(2026, 0, 1),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    const open = await api('GET', '/api/v1/alerts?status=open');
    expect(open.json.alerts.map((a: J) => a.id)).toContain('a-1');
    expect(open.json.alerts[0].createdAt).toMatch(/Z$/);
    const ack = await api('POST', '/api/v1/alerts/acknowledge', { ids: ['a-1', 'unknown'] });
    expect(ack.status).toBe(200);
    expect(ack.json.acknowledged.map((a: J) => a.id)).toEqual(['a-1']);
    expect(ack.json.acknowledged[0].status).toBe('acknowledged');
    const empty = await api('POST', '/api/v1/alerts/acknowledge', { ids: [] });
    expect(empty.json.error.details[0].path).toBe('body.ids');
    const missing = await api('POST', '/api/v1/alerts/acknowledge', {});
    expect(missing.json.error.details[0].path).toBe('body.ids');
    const badStatus = await api('GET', '/api/v1/alerts?status=gone');
    expect(badStatus.json.error.details[0].path).toBe('query.status');
  });

  it('GET reports answers short periods directly and long ones as an operation', async () => {
    const direct = await api('GET', '/api/v1/reports?from=2025-12-31T23:00:00Z&to=2026-01-01T01:00:00Z');
    expect(direct.status).toBe(200);
    expect(direct.json.protocols.length).toBe(6);
    expect(direct.json.totalUsd).toBeGreaterThan(0);
    const queued = await api('GET', '/api/v1/reports?from=2025-11-01&to=2026-01-02');
    expect(queued.status).toBe(202);
    server.services.operations.register('report', async (params) => server.services.reports.generate({ from: Number(params.from), to: Number(params.to) }));
    const done = await waitDone(queued.json.operationId);
    expect(['completed', 'failed']).toContain(done.status);
    const reversed = await api('GET', '/api/v1/reports?from=2026-01-02&to=2026-01-01');
    expect(reversed.json.error.details[0].path).toBe('query.from');
  });

  it('GET export streams JSON and CSV, and large ranges become a downloadable operation', async () => {
    const range = 'from=2025-12-31T23:00:00Z&to=2026-01-01T01:00:00Z';
    const json = await api('GET', `/api/v1/export?format=json&${range}`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.json.length).toBe(36);
    expect(json.json[0].time).toMatch(/Z$/);
    const csv = await api('GET', `/api/v1/export?format=csv&protocol=storj&${range}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0].startsWith('time,protocol,usdPerHour')).toBe(true);
    expect(lines).toHaveLength(7);
    const op = await api('GET', `/api/v1/export?format=csv&async=true&${range}`);
    expect(op.status).toBe(202);
    const done = await waitDone(op.json.operationId);
    expect(done.status).toBe('completed');
    expect(done.result.rows).toBe(36);
    const file = await api('GET', `/api/v1/export/${op.json.operationId}`);
    expect(file.status).toBe(200);
    expect(file.text.trim().split('\n')).toHaveLength(37);
    expectError(await api('GET', '/api/v1/export/nope'), 404, 'ORCHA_ERR_NOT_FOUND');
    const badFormat = await api('GET', '/api/v1/export?format=xml');
    expect(badFormat.json.error.details[0].path).toBe('query.format');
  });

  it('GET cache/stats counts hits; POST cache/clear empties it', async () => {
    await api('POST', '/api/v1/cache/clear');
    await api('GET', '/api/v1/dashboard');
    await api('GET', '/api/v1/dashboard');
    const stats = await api('GET', '/api/v1/cache/stats');
    expect(stats.json.store).toBe('memory');
    expect(stats.json.hits).toBeGreaterThan(0);
    expect(stats.json.size).toBeGreaterThan(0);
    const cleared = await api('POST', '/api/v1/cache/clear');
    expect(cleared.json.cleared).toBeGreaterThan(0);
    expect((await api('GET', '/api/v1/cache/stats')).json.size).toBe(0);
  });
});

describe('config and policies', () => {
  it('GET config redacts secrets; PUT applies and keeps them; validate names fields', async () => {
    const res = await api('GET', '/api/v1/config');
    expect(res.status).toBe(200);
    const golem = res.json.protocols.find((p: J) => p.name === 'golem');
    expect(golem.credentials.token).toBe('[redacted]');
    expect(res.text).not.toContain(server.configService.current().protocols.find((p) => p.name === 'golem')!.credentials!.token as string);
    const edited = { ...res.json, reallocation: { ...res.json.reallocation, maxPerHour: 2 } };
    const put = await api('PUT', '/api/v1/config', edited);
    expect(put.status).toBe(200);
    expect(put.json.changedKeys).toEqual(['reallocation']);
    expect(server.configService.current().reallocation.maxPerHour).toBe(2);
    expect(server.configService.current().protocols.find((p) => p.name === 'golem')!.credentials!.token).not.toBe('[redacted]');
    const bad = await api('PUT', '/api/v1/config', { ...edited, intervals: { poll: -1 } });
    expectError(bad, 400, 'ORCHA_ERR_CONFIG_INVALID');
    expect(bad.json.error.details[0].path).toBe('body.intervals.poll');
    const validate = await api('POST', '/api/v1/config/validate', { server: { port: 'eighty' } });
    expect(validate.status).toBe(200);
    expect(validate.json).toEqual({ valid: false, errors: [{ path: 'server.port', message: expect.any(String) }] });
    const reload = await api('POST', '/api/v1/config/reload');
    expect(reload.status).toBe(200);
    expect(reload.json.applied).toBe(true);
  });

  it('policies CRUD and test (dry-run of the optimizer with the policy)', async () => {
    const policy = { name: 'cap-golem', rules: [{ protocol: 'golem', resource: 'cpu', max: 5 }] };
    const created = await api('POST', '/api/v1/policies', policy);
    expect(created.status).toBe(201);
    expect(created.json.enabled).toBe(true);
    expectError(await api('POST', '/api/v1/policies', policy), 409, 'ORCHA_ERR_CONFLICT');
    expect((await api('GET', '/api/v1/policies')).json.policies.map((p: J) => p.name)).toContain('cap-golem');
    expect((await api('GET', '/api/v1/policies/cap-golem')).json.rules[0].max).toBe(5);
    const tested = await api('POST', '/api/v1/policies/cap-golem/test');
    expect(tested.status).toBe(200);
    expect(tested.json.plan.target.golem.cpu).toBeLessThanOrEqual(5 + 1e-6);
    const replaced = await api('PUT', '/api/v1/policies/cap-golem', { ...policy, excludedHours: [3] });
    expect(replaced.json.excludedHours).toEqual([3]);
    const badRule = await api('PUT', '/api/v1/policies/cap-golem', { name: 'cap-golem', rules: [{ protocol: 'golem', min: 50, max: 10 }] });
    expectError(badRule, 400, 'ORCHA_ERR_VALIDATION');
    expect(badRule.json.error.details[0].path).toBe('body.rules[0]');
    const badBody = await api('POST', '/api/v1/policies', { name: 'x', rules: [{ protocol: 'golem', max: 500 }] });
    expect(badBody.json.error.details[0].path).toBe('body.rules[0].max');
    expect((await api('DELETE', '/api/v1/policies/cap-golem')).status).toBe(204);
    expectError(await api('GET', '/api/v1/policies/cap-golem'), 404, 'ORCHA_ERR_NOT_FOUND');
    expectError(await api('POST', '/api/v1/policies/cap-golem/test'), 404, 'ORCHA_ERR_NOT_FOUND');
  });
});
