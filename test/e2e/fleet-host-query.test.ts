/**
 * `?host=NAME` on the read endpoints, against the product started through its composition root: this machine's name
 * answers from its own tables as before, a fleet host from what its agent sent (same answer shape), and a name
 * nobody knows is a 404 that names it.
 */
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
  server = await startTestOrcha({ security: true, config: { fleet: { localName: 'home' } } });
  token = (await api('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).json.accessToken;
  const created = await api('POST', '/api/v1/hosts', { name: 'edge' });
  expect(created.json).toMatchObject({ name: 'edge' });
  const local = (await server.services.metrics.latest())!;
  const snapshots = [0, 1, 2].map((i) => remoteSnapshot(local, NOW - 60_000 + i * 20_000, i + 1));
  const sent = await api('POST', '/api/v1/agent/batches', { batchId: 'edge-batch-1', agentVersion: AGENT_VERSION, snapshots }, {
    authorization: `Bearer ${created.json.key}`,
  });
  expect(sent.json).toEqual({ result: 'stored', batchId: 'edge-batch-1', snapshots: 3 });
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
