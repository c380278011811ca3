/**
 * The built `orcha` binary's local admin commands and its environment: the client variables docs/install.md tells
 * users to export never break the server-side commands, and `user passwd`, `apikey list` and `apikey revoke` work on
 * the database directly.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../../src/auth/auth-service.js';
import { loadOrCreateJwtSecret } from '../../src/auth/jwt-secret.js';
import { systemClock } from '../../src/lib/clock.js';
import { createStore } from '../../src/store/index.js';

const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');
/** Everything a client user exports, per docs/install.md. */
const CLIENT_ENV = {
  ORCHA_URL: 'http://127.0.0.1:8080',
  ORCHA_TOKEN: 'orcha_0123456789abcdef',
  ORCHA_USER: 'alice',
  ORCHA_PASSWORD: 'alice-password-123',
  ORCHA_NEW_PASSWORD: 'new-password-456789',
  ORCHA_LOGIN_CACHE: 'off',
};

function orcha(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.end(input);
  });
}

describe('orcha local admin commands and client variables', { timeout: 240_000 }, () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'orcha-cli-admin-'));
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

  it('config validate, migrate and user add accept the client variables (not config keys)', async () => {
    const validate = await orcha(['config', 'validate', config], CLIENT_ENV);
    expect(validate.code, validate.stderr).toBe(0);
    const migrate = await orcha(['migrate', '--config', config], CLIENT_ENV);
    expect(migrate.code, migrate.stderr).toBe(0);
    // ORCHA_NEW_PASSWORD is user add's own variable: it becomes the password.
    const add = await orcha(['user', 'add', 'alice', '--role', 'admin', '--config', config], CLIENT_ENV);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).not.toContain('password:');
    const { store, auth } = await authOverDataDir();
    try {
      expect((await auth.login('alice', CLIENT_ENV.ORCHA_NEW_PASSWORD)).accessToken).toBeTruthy();
    } finally {
      await store.close();
    }
    // A real unknown key still fails loudly.
    const typo = await orcha(['config', 'validate', config], { ...CLIENT_ENV, ORCHA_REALLOCATION_MOOD: 'auto' });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('ORCHA_REALLOCATION_MOOD');
  });

  it('serve starts with the client variables exported', async () => {
    const child = spawn(process.execPath, [ENTRY, 'serve', '--config', config, '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...CLIENT_ENV, ORCHA_ADMIN_PASSWORD: 'serve-admin-password-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const listening = await new Promise<boolean>((r) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('orcha listening on')) r(true);
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.once('exit', () => r(false));
    });
    child.kill('SIGTERM');
    await exited;
    expect(listening, out).toBe(true);
    expect(out).not.toContain('not a known configuration key');
  });

  it('user passwd sets a password (given on stdin or generated) and ends the sessions', async () => {
    const { store, auth } = await authOverDataDir();
    let refreshToken: string;
    try {
      refreshToken = (await auth.login('alice', CLIENT_ENV.ORCHA_NEW_PASSWORD)).refreshToken;
    } finally {
      await store.close();
    }
    const given = await orcha(['user', 'passwd', 'alice', '--password-stdin', '--config', config], {}, 'changed-password-789\n');
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toContain('password of alice changed');
    const generated = JSON.parse((await orcha(['user', 'passwd', 'alice', '--json', '--config', config])).stdout);
    expect(generated.password.length).toBeGreaterThanOrEqual(16);

    const again = await authOverDataDir();
    try {
      await expect(again.auth.login('alice', 'changed-password-789')).rejects.toThrow();
      expect((await again.auth.login('alice', generated.password)).accessToken).toBeTruthy();
      await expect(again.auth.refresh(refreshToken)).rejects.toThrow();
      expect((await again.store.audit.list({ action: 'user.password' })).length).toBe(2);
    } finally {
      await again.store.close();
    }
    expect((await orcha(['user', 'passwd', 'nobody', '--password-stdin', '--config', config], {}, 'some-password-123\n')).code).toBe(1);
    expect((await orcha(['user', 'passwd', 'alice', '--password-stdin', '--config', config], {}, 'short\n')).code).toBe(2);
  });

  it('apikey list shows keys without secrets; apikey revoke by name or id stops a key working', async () => {
    const a = JSON.parse((await orcha(['apikey', 'create', '--name', 'grafana', '--config', config, '--json'])).stdout);
    const b = JSON.parse((await orcha(['apikey', 'create', '--name', 'backup', '--role', 'operator', '--config', config, '--json'])).stdout);
    const listed = await orcha(['apikey', 'list', '--config', config, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout);
    expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['backup', 'grafana']);
    expect(listed.stdout).not.toContain(a.key);
    const table = await orcha(['apikey', 'list', '--config', config]);
    expect(table.stdout).toContain('grafana');
    expect(table.stdout).toContain(a.prefix);

    expect((await orcha(['apikey', 'revoke', 'grafana', '--config', config])).code).toBe(0);
    expect((await orcha(['apikey', 'revoke', b.id, '--config', config, '--json'])).code).toBe(0);
    expect((await orcha(['apikey', 'revoke', 'grafana', '--config', config])).code).toBe(1);

    const { store, auth } = await authOverDataDir();
    try {
      expect(await auth.verifyToken(a.key)).toBeNull();
      expect(await auth.verifyToken(b.key)).toBeNull();
      expect((await store.audit.list({ action: 'apikey.revoke' })).map((e) => e.target).sort()).toEqual([`apikey:${a.id}`, `apikey:${b.id}`].sort());
    } finally {
      await store.close();
    }
  });
});
