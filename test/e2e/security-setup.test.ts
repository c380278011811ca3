/** First start: the admin password is generated and shown once (never logged); the JWT secret is kept on disk. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecuritySetup } from '../../src/auth/setup.js';
import { buildConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createStore } from '../../src/store/index.js';

describe('createSecuritySetup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-setup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the first admin password once, prints it only in the banner, and keeps the JWT secret', async () => {
    let logged = '';
    const log = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _e, cb) {
          logged += chunk.toString();
          cb();
        },
      }),
    });
    const config = buildConfig({ dataDir: join(dir, 'data') }, {});
    const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
    const open = () => createSecuritySetup({ config: () => config, store, clock: systemClock, log, dataDir: join(dir, 'data'), baseDir: dir, env: {} });

    const first = await open();
    const password = /password (\S+)/.exec(first.banner[0] ?? '')?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const pair = await first.auth.login('admin', password!);
    expect(await first.authenticate(pair.accessToken)).toMatchObject({ kind: 'user', name: 'admin', role: 'admin' });
    expect(existsSync(join(dir, 'data', 'jwt-secret'))).toBe(true);
    expect(first.rateLimiter.kind).toBe('memory');
    await first.close();

    // a restart: no new admin, no banner, and tokens signed before it still verify
    const second = await open();
    expect(second.banner).toEqual([]);
    expect(await second.authenticate(pair.accessToken)).toMatchObject({ name: 'admin' });
    await second.close();

    expect(logged).toContain('created the first admin user');
    expect(logged).not.toContain(password);
    await store.close();
  });
});
