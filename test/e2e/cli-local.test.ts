/**
 * `orcha user add` and `orcha apikey create` work on the database directly (no server needed): the built binary
 * writes to a temporary data directory, and the results work for logging in and calling the API.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../../src/auth/auth-service.js';
import { loadOrCreateJwtSecret } from '../../src/auth/jwt-secret.js';
import { systemClock } from '../../src/lib/clock.js';
import { createStore } from '../../src/store/index.js';

const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');

function orcha(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

describe('orcha user add / apikey create (local)', { timeout: 120_000 }, () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'orcha-cli-local-'));
    config = join(dir, 'orcha.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(dir)}\n`);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function authOverDataDir() {
    const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
    const auth = createAuthService({
      users: store.users,
      clock: systemClock,
      jwtSecret: loadOrCreateJwtSecret(dir),
      settings: { accessTokenTtl: 900, refreshTokenTtl: 3600 },
    });
    return { store, auth };
  }

  it('adds users (password given on stdin, or generated and printed once) who can then log in', async () => {
    const given = await orcha(['user', 'add', 'alice', '--role', 'operator', '--password-stdin', '--config', config], 'alice-password-123\n');
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toContain('created user alice (operator)');

    const generated = await orcha(['user', 'add', 'bob', '--role', 'viewer', '--config', config, '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    const bob = JSON.parse(generated.stdout);
    expect(bob.role).toBe('viewer');
    expect(bob.password.length).toBeGreaterThanOrEqual(16);

    const { store, auth } = await authOverDataDir();
    try {
      expect((await auth.login('alice', 'alice-password-123')).accessToken).toBeTruthy();
      expect((await auth.login('bob', bob.password)).accessToken).toBeTruthy();
      const audit = await store.audit.list({ action: 'user.create' });
      expect(audit.map((a) => a.target).sort()).toEqual(['user:alice', 'user:bob']);
    } finally {
      await store.close();
    }
  });

  it('refuses a duplicate user, a bad role and a short password', async () => {
    expect((await orcha(['user', 'add', 'alice', '--role', 'viewer', '--password-stdin', '--config', config], 'another-password-1\n')).code).toBe(1);
    expect((await orcha(['user', 'add', 'carol', '--role', 'root', '--config', config])).code).toBe(2);
    expect((await orcha(['user', 'add', 'carol', '--role', 'viewer', '--password-stdin', '--config', config], 'short\n')).code).toBe(2);
    expect((await orcha(['user', 'add', 'carol', '--config', config])).code).toBe(2);
  });

  it('creates an API key, printed once, that authenticates with its role', async () => {
    const run = await orcha(['apikey', 'create', '--name', 'grafana', '--role', 'viewer', '--config', config, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const created = JSON.parse(run.stdout);
    expect(created.name).toBe('grafana');
    expect(created.hash).toBeUndefined();
    const { store, auth } = await authOverDataDir();
    try {
      expect(await auth.verifyToken(created.key)).toMatchObject({ kind: 'apikey', name: 'grafana', role: 'viewer' });
      expect((await auth.listApiKeys()).map((k) => k.name)).toEqual(['grafana']);
    } finally {
      await store.close();
    }
    expect((await orcha(['apikey', 'create', '--role', 'viewer', '--config', config])).code).toBe(2);
  });
});
