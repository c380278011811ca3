/**
 * The fleet's read side, against the product started through its composition root. `?host=NAME` on the read
 * endpoints: this machine's name answers from its own tables as before, a fleet host from what its agent sent (same
 * answer shape), a name nobody knows is a 404 that names it. `GET /api/v1/fleet` and `orcha fleet` (the built CLI):
 * every host with its health, last report, USD/h and open alerts, and the totals.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/domain/sample.js';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { ADMIN_PASSWORD, type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

let server: TestOrcha;
let token = '';
const NOW = Math.floor(Date.now() / 60_000) * 60_000;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as J };
}

/** The local snapshot moved to `time`, every protocol earning `usdPerHour`: what a remote agent would send. */
function remoteSnapshot(local: Snapshot, time: number, usdPerHour: number): Snapshot {
  const protocols = local.protocols.map((p) => ({ ...p, time, usdPerHour }));
  return { ...local, time, protocols, totalUsdPerHour: usdPerHour * protocols.length };
}

const keysOf = (o: object) => Object.keys(o).sort();

beforeAll(async () => {
  // Simulated time ends near real time, so this machine's latest snapshot is recent (the API runs on real time).
  server = await startTestOrcha({ security: true, startAt: Date.now() - 6 * 60_000, config: { fleet: { localName: 'home' } } });
  token = (await api('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).json.accessToken;
  const created = await api('POST', '/api/v1/hosts', { name: 'edge' });
  expect(created.json).toMatchObject({ name: 'edge' });
  const local = (await server.services.metrics.latest())!;
  const snapshots = [0, 1, 2].map((i) => remoteSnapshot(local, NOW - 60_000 + i * 20_000, i + 1));
  const sent = await api('POST', '/api/v1/agent/batches', { batchId: 'edge-batch-1', agentVersion: AGENT_VERSION, snapshots, spool: { pending: 3, oldestAt: snapshots[0]!.time } }, {
    authorization: `Bearer ${created.json.key}`,
  });
  expect(sent.json).toEqual({ result: 'stored', batchId: 'edge-batch-1', snapshots: 3, expired: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe('?host=NAME on the metrics endpoints', () => {
  it("answers for this machine's name exactly as without it", async () => {
    const plain = await api('GET', '/api/v1/metrics');
    const named = await api('GET', '/api/v1/metrics?host=home');
    expect(named.status).toBe(200);
    expect(named.json).toEqual(plain.json);
  });

  it("answers for a fleet host from its agent's snapshots, in the same shape", async () => {
    const local = (await api('GET', '/api/v1/metrics')).json;
    const res = await api('GET', '/api/v1/metrics?host=edge');
    expect(res.status).toBe(200);
    expect(res.json.time).toBe(new Date(NOW - 20_000).toISOString());
    expect(res.json.protocols.map((p: J) => p.usdPerHour)).toEqual(local.protocols.map(() => 3));
    expect(keysOf(res.json)).toEqual(keysOf(local).filter((k) => k !== 'energy'));
    expect(keysOf(res.json.protocols[0])).toEqual(keysOf(local.protocols[0]));

    const from = new Date(NOW - 120_000).toISOString();
    const to = new Date(NOW).toISOString();
    const raw = await api('GET', `/api/v1/metrics/history?host=edge&from=${from}&to=${to}`);
    expect(raw.status).toBe(200);
    expect(raw.json.points.map((p: J) => p.totalUsdPerHour)).toEqual([1, 2, 3].map((u) => u * local.protocols.length));
    expect(raw.json.protocols).toHaveLength(3 * local.protocols.length);
    const localHistory = (await api('GET', `/api/v1/metrics/history?from=${from}&to=${to}`)).json;
    expect(keysOf(raw.json)).toEqual(keysOf(localHistory));

    // One protocol, one bucket of a minute: the agent's three samples fold into their average.
    const name = local.protocols[0].protocol;
    const bucketed = await api('GET', `/api/v1/metrics/history?host=edge&from=${from}&to=${to}&step=120&protocol=${name}`);
    expect(bucketed.json.stepSeconds).toBe(120);
    expect(bucketed.json.protocols.map((p: J) => [p.protocol, p.usdPerHour, p.samples])).toEqual([[name, 2, 3]]);
  });

  it('refuses a host nobody knows with a 404 naming it, and a malformed name with a 400 naming the field', async () => {
    for (const path of ['/api/v1/metrics?host=nope', '/api/v1/metrics/history?host=nope']) {
      const res = await api('GET', path);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('ORCHA_ERR_NOT_FOUND');
      expect(res.json.error.message).toContain('"nope"');
    }
    const bad = await api('GET', '/api/v1/metrics?host=..%2Fx');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error)).toContain('host');
  });
});

const CLI = resolve('dist/src/cli/index.js');
function orcha(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ORCHA_URL: server.url, ORCHA_TOKEN: token }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('the fleet overview', { timeout: 120_000 }, () => {
  it('GET /api/v1/fleet: every host with health, last report, USD/h and open alerts, and totals that add up', async () => {
    // A host whose agent never reported, and one that reported and was then revoked.
    await api('POST', '/api/v1/hosts', { name: 'quiet' });
    const gone = await api('POST', '/api/v1/hosts', { name: 'gone' });
    const local = (await server.services.metrics.latest())!;
    await api('POST', '/api/v1/agent/batches', { batchId: 'gone-batch-1', agentVersion: '0.1.0', snapshots: [remoteSnapshot(local, NOW, 9)] }, {
      authorization: `Bearer ${gone.json.key}`,
    });
    expect((await api('DELETE', '/api/v1/hosts/gone')).status).toBe(200);
    // An alert about edge (as the fleet's alert loop writes them: the host in its details).
    await server.store.alerts.insert({
      id: randomUUID(),
      type: 'agent_spool_growing',
      severity: 'warning',
      status: 'open',
      dedupKey: 'agent_spool_growing:edge',
      protocol: null,
      message: 'host edge: 900 snapshots wait in its agent spool',
      details: { host: 'edge', pending: 900 },
      createdAt: Date.now(),
      updatedAt: Date.now(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    const localAlerts = (await api('GET', '/api/v1/alerts?status=open')).json.alerts.filter((a: J) => a.details?.host === undefined).length;

    const res = await api('GET', '/api/v1/fleet');
    expect(res.status).toBe(200);
    const rows = res.json.hosts.map((h: J) => [h.name, h.local, h.health, h.openAlerts]);
    expect(rows).toEqual([
      ['home', true, 'ok', localAlerts],
      ['edge', false, 'ok', 1],
      ['gone', false, 'revoked', 0],
      ['quiet', false, 'never-seen', 0],
    ]);
    const edge = res.json.hosts[1];
    expect(edge.usdPerHour).toBeCloseTo(3 * local.protocols.length, 9);
    expect(edge.lastSeenAt).toEqual(expect.any(String));
    expect(res.json.hosts[3].lastSeenAt).toBeNull();
    expect(res.json.totals).toMatchObject({ hosts: 4, ok: 2, silent: 0, neverSeen: 1, revoked: 1, openAlerts: localAlerts + 1 });
    // The revoked host's earnings are not counted.
    expect(res.json.totals.usdPerHour).toBeCloseTo(res.json.hosts[0].usdPerHour + edge.usdPerHour, 9);

    // GET /hosts shows what each agent last said about its spool (an agent before 0.2.0 says nothing).
    const hosts = (await api('GET', '/api/v1/hosts')).json.hosts;
    expect(hosts.find((h: J) => h.name === 'edge').spool).toMatchObject({ pending: 3, oldestAt: new Date(NOW - 60_000).toISOString(), growingSince: null });
    expect(hosts.find((h: J) => h.name === 'gone').spool).toBeNull();
  });

  it('orcha fleet: a table of the hosts with the totals, and --json that is the API answer', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
    const human = await orcha(['fleet']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^4 hosts: 2 ok, 0 silent, 1 never seen, 1 revoked; earning \d+\.\d{4} USD\/h; \d+ open alerts?/);
    for (const name of ['home (this machine)', 'edge', 'gone', 'quiet']) expect(human.stdout).toContain(name);
    expect(human.stdout).toContain('NEVER-SEEN');
    const json = await orcha(['fleet', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.hosts.map((h: J) => h.name)).toEqual(['home', 'edge', 'gone', 'quiet']);
    expect(parsed.totals.hosts).toBe(4);
  });
});
