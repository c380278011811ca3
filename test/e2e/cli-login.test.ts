/**
 * The CLI as a script uses it with `--user/--password`: one login, cached in a 0600 file and refreshed, so calls in
 * a loop never reach the login rate limit; and `reallocate` without `--dry-run` refuses to apply unconfirmed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductHarness, startProduct } from './dashboard.harness.js';

const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');
const USER = { username: 'scripter', password: 'scripter-password-123' };

function orcha(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.end(); // not a terminal: nobody can answer a question
  });
}

describe('orcha CLI with --user/--password', { timeout: 240_000 }, () => {
  let product: ProductHarness;
  let cacheDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    product = await startProduct({ tickMs: 0 });
    await product.auth.createUser({ ...USER, role: 'operator' });
    cacheDir = mkdtempSync(join(tmpdir(), 'orcha-login-cache-'));
    env = { ORCHA_URL: product.url, ORCHA_USER: USER.username, ORCHA_PASSWORD: USER.password, ORCHA_LOGIN_CACHE: cacheDir };
  }, 180_000);

  afterAll(async () => {
    await product?.close();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  const logins = async () => (await product.server.store.audit.list({ action: 'auth.login', limit: 100 })).length;
  const cacheFile = () => {
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    return join(cacheDir, files[0]!);
  };

  it('logs in once for many calls, past the login rate limit, and keeps the token in a 0600 file', async () => {
    const limit = product.server.configService.current().rateLimit.login;
    const first = await orcha(['status', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    // The rest two at a time (a script's loop, or two scripts at once), all past the login limit.
    for (let i = 0; i < limit + 2; i += 2) {
      for (const run of await Promise.all([orcha(['status', '--json'], env), orcha(['status', '--json'], env)])) {
        expect(run.code, run.stderr).toBe(0);
      }
    }
    expect(await logins()).toBe(1);
    const file = cacheFile();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o077).toBe(0);
    const cached = JSON.parse(readFileSync(file, 'utf8'));
    expect(cached).toMatchObject({ server: product.url, user: USER.username });
    expect(JSON.stringify(cached)).not.toContain(USER.password);
  });

  it('refreshes an expired access token without a new login', async () => {
    const file = cacheFile();
    const before = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...before, expiresAt: Date.now() - 1000 }), { mode: 0o600 });
    const run = await orcha(['status', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
    expect(await logins()).toBe(1);
    expect((await product.server.store.audit.list({ action: 'auth.refresh', limit: 10 })).length).toBe(1);
  });

  it('logs in again with the password when the cached token was revoked', async () => {
    const file = cacheFile();
    const before = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...before, accessToken: 'not-a-valid-token' }), { mode: 0o600 });
    const run = await orcha(['status', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(await logins()).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8')).accessToken).not.toBe('not-a-valid-token');
  });

  it('reallocate without --dry-run says the server is advisory and needs --yes when not on a terminal', async () => {
    const before = await product.server.store.reallocations.list({ limit: 100 });
    const refused = await orcha(['reallocate'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('advisory mode');
    expect(refused.stderr).toContain('--yes');
    expect(await product.server.store.reallocations.list({ limit: 100 })).toHaveLength(before.length);

    const applied = await orcha(['reallocate', '--yes', '--json'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('advisory mode');
    const op = JSON.parse(applied.stdout);
    expect(op.status).toBe('completed');
    expect(op.result.dryRun).toBe(false);
  });
});
