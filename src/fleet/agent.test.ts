import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { loadConfigText } from '../config/load.js';
import { createLogger } from '../lib/logger.js';
import { recordingServer } from '../../test/helpers/recording-server.js';
import { startAgent } from './agent.js';

it('an agent runs without the security set-up and the fleet control plane: no user, no JWT secret, no lease; its spool and plans still go out', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-agent-start-'));
  const lines: string[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const server = await recordingServer({
    '/api/v1/agent/batches': (req) => ({ body: JSON.stringify({ stored: (req.body as { snapshots: unknown[] }).snapshots.length, expired: 0 }) }),
    '/api/v1/agent/plan': () => ({ body: JSON.stringify({ plan: null }) }),
  });
  const config = loadConfigText(['dataDir: data', 'intervals: { poll: 1 }'].join('\n'), {}, dir);
  const agent = await startAgent({ server: server.url, key: 'k', loaded: { config, path: null, baseDir: dir }, log, demo: true, flushIntervalMs: 100 });
  try {
    // Its spool goes to the control plane and it asks for plans, as before.
    await expect.poll(() => server.requests.filter((r) => r.path === '/api/v1/agent/batches').length, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => server.requests.filter((r) => r.path === '/api/v1/agent/plan').length, { timeout: 20_000 }).toBeGreaterThan(0);

    expect(agent.orcha.security).toBeNull();
    expect(await agent.orcha.store.users.list()).toEqual([]);
    expect(await agent.orcha.store.leases.list('')).toEqual([]);
    expect(lines.join('')).not.toContain('created the first admin user');
    expect(existsSync(join(dir, 'data', 'jwt-secret'))).toBe(false);
    expect(existsSync(join(dir, 'data', 'orcha.db'))).toBe(true);
    // No agent ingest routes of its own: it is nobody's control plane.
    expect((await agent.orcha.app.inject({ method: 'POST', url: '/api/v1/agent/batches', payload: {} })).statusCode).toBe(404);
  } finally {
    await agent.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
