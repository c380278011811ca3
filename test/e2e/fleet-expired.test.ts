/**
 * An agent back after more than `storage.retention.rawDays` offline replays its spool through the real ingest route:
 * the route answers how many of a batch's snapshots fell in hours already rolled up (`expired`), the agent drops
 * exactly those from its spool, and the newer ones are stored once. The control plane is the composition root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { createFleetRetentionJob } from '../../src/engine/monitor/fleet-retention.js';
import { createAgentSender } from '../../src/fleet/agent-sender.js';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { openSpool } from '../../src/fleet/spool.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ADMIN_PASSWORD, type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let server: TestOrcha;
let token = '';
let dir = '';

async function api(method: string, path: string, body: unknown, auth: string) {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
  return { status: res.status, json: (await res.json()) as any };
}

beforeAll(async () => {
  server = await startTestOrcha({ security: true, startAt: Date.now() - 6 * 60_000, config: { fleet: { localName: 'home' } } });
  token = (await api('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, '')).json.accessToken;
  dir = mkdtempSync(join(tmpdir(), 'orcha-fleet-expired-'));
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('an agent replaying from beyond the raw window: the route says what expired, the agent drops only that', async () => {
  const created = await api('POST', '/api/v1/hosts', { name: 'late' }, token);
  expect(created.status).toBe(201);
  const key: string = created.json.key;
  const local = (await server.services.metrics.latest())!;
  const at = (time: number): Snapshot => ({ ...local, time, protocols: local.protocols.map((p) => ({ ...p, time })) });
  const old = Math.floor((Date.now() - 5 * DAY) / HOUR) * HOUR;

  // Five days ago the host sent its first minutes; retention (rawDays 2) has rolled that hour up since.
  const first = await api('POST', '/api/v1/agent/batches', { batchId: 'late-batch-1', agentVersion: AGENT_VERSION, snapshots: [at(old)] }, key);
  expect(first.json).toEqual({ result: 'stored', batchId: 'late-batch-1', snapshots: 1, expired: 0 });
  const config = buildConfig({ storage: { retention: { rawDays: 2, rollupDays: 30 } } }, {});
  await createFleetRetentionJob({ rollups: server.store.fleetRollups, clock: systemClock, log: silentLogger(), getConfig: () => config }).run();

  // Its spool still holds two more snapshots of that hour, then four recent ones.
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    for (const time of [old + 60_000, old + 120_000, ...[4, 3, 2, 1].map((m) => Date.now() - m * 60_000)]) spool.append(at(time));
    const sender = createAgentSender({ server: server.url, key, agentVersion: AGENT_VERSION, spool, log: silentLogger(), maxBatch: 10 });
    expect(await sender.flush()).toEqual({ sent: 6, failed: false });
    expect(spool.counts()).toEqual({ produced: 6, acknowledged: 6, pending: 0, rejected: 0, expired: 2 });
  } finally {
    spool.close();
  }
  const host = (await server.store.fleet.findHostByName('late'))!;
  expect(await server.store.fleet.totals(host.id)).toEqual({ snapshots: 4, protocolSamples: 4 * local.protocols.length });
});
