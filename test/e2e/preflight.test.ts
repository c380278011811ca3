/**
 * `npm test`'s pre-flight (scripts/preflight.mjs) on a machine missing parts: it starts an installed but stopped
 * service, and names what is missing in one line (with the command to get it) before anything else runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../scripts/preflight.mjs');

function runPreflight(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe('npm test pre-flight', () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'orcha-preflight-path-'));
  const started: Redis[] = [];

  afterAll(async () => {
    for (const redis of started) await redis.shutdown('NOSAVE').catch(() => {});
    rmSync(emptyPath, { recursive: true, force: true });
  });

  it('names the missing browser and how to install it in one line, and runs nothing else', async () => {
    // No apt-get on PATH: the script cannot install, so it must say what to run instead.
    const r = await runPreflight({ PATH: emptyPath, ORCHA_PREFLIGHT_CHROMIUM: join(emptyPath, 'chromium') });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(emptyPath, 'chromium'));
    expect(lines[0]).toMatch(/apt-get install .*chromium/);
    expect(r.stdout).toBe('');
  });

  it('starts Redis when it is installed but not running', async () => {
    const port = await freePort();
    const r = await runPreflight({ ORCHA_PREFLIGHT_REDIS_PORT: String(port) });
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => {}); // the shutdown in afterAll closes the connection under it
    started.push(redis);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`starting Redis (127.0.0.1:${port} was closed)`);
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
  });

  it('says in one line when a stopped service is not installed', async () => {
    const port = await freePort();
    // PATH holds promtool only: the packages are there, redis-server is not, so Redis is what is missing.
    const toolsPath = mkdtempSync(join(tmpdir(), 'orcha-preflight-tools-'));
    symlinkSync(execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim(), join(toolsPath, 'promtool'));
    const r = await runPreflight({ PATH: toolsPath, ORCHA_PREFLIGHT_REDIS_PORT: String(port) });
    rmSync(toolsPath, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Redis is not running on 127.0.0.1:${port} and not installed`);
    expect(lines[0]).toContain('apt-get install -y redis-server');
  });
});
