/**
 * The product as `npm start` runs it: startOrcha with no node configured starts the simulators, stores their
 * snapshots, serves the API behind authentication and the dashboard, and shuts down cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha, wantsSimulators } from '../../src/main.js';

const PASSWORD = 'start-test-password';

describe('startOrcha with no node configured', () => {
  let dir: string;
  let orcha: RunningOrcha;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-start-'));
    const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1' };
    const config = loadConfigText('', env);
    orcha = await startOrcha({ loaded: { config, path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD } });
  });

  afterAll(async () => {
    await orcha?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the simulators only when no protocol is configured (or in demo)', () => {
    expect(wantsSimulators(loadConfigText('', {}), false)).toBe(true);
    const withNode = loadConfigText('protocols:\n  - { name: s, type: storj, endpoint: "http://127.0.0.1:14002" }\n', {});
    expect(wantsSimulators(withNode, false)).toBe(false);
    expect(wantsSimulators(withNode, true)).toBe(true);
    expect(orcha.simulators?.protocols.map((p) => p.type).sort()).toEqual(['golem', 'grass', 'http-json', 'mysterium', 'storj', 'streamr']);
  });

  it('listens on loopback and answers the health check without credentials', async () => {
    expect(orcha.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${orcha.url}/api/v1/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: { kind: string; name: string }[] };
    expect(body.checks.map((c) => c.kind)).toContain('database');
  });

  it('refuses the API without credentials and serves it to the first admin', async () => {
    expect((await fetch(`${orcha.url}/api/v1/metrics`)).status).toBe(401);
    const login = await fetch(`${orcha.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    // the poll loop stores snapshots of every simulator
    let protocols: string[] = [];
    for (let i = 0; i < 40 && protocols.length < 6; i++) {
      const res = await fetch(`${orcha.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${accessToken}` } });
      if (res.status === 200) {
        const body = (await res.json()) as { protocols?: { protocol: string }[] };
        protocols = (body.protocols ?? []).map((p) => p.protocol);
      }
      if (protocols.length < 6) await new Promise((r) => setTimeout(r, 250));
    }
    expect(protocols.sort()).toEqual(['golem', 'grass', 'honeygain', 'mysterium', 'storj', 'streamr']);
    const stored = await orcha.store.metrics.count();
    expect(stored.snapshots).toBeGreaterThan(0);
  });

  it('serves the dashboard at /', async () => {
    const res = await fetch(`${orcha.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});
