/**
 * Issue 7, must-hold 3, as a new user meets it: `npm start` (scripts/start.mjs, exactly what the package script
 * runs) in the repository with no orcha.yaml, then a browser on the URL it prints: log in as the first admin and
 * see the earnings chart fill with the simulators' data and receive a live point. The time from start to live data
 * is printed (the issue asks for 15 s; timings are measured in bench/, so the test only bounds its waits).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const PASSWORD = 'npm-start-admin-password-42';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('npm start on a fresh data directory', () => {
  let child: ChildProcess;
  let browser: Browser;
  let dataDir: string;
  let output = '';
  let startedAt = 0;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    if (existsSync('orcha.yaml')) throw new Error('an orcha.yaml in the repository would configure real nodes; this test needs none');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'orcha-npm-start-'));
    const port = await freePort();
    startedAt = performance.now();
    // Its own process group, so that the server start.mjs runs is stopped with it.
    child = spawn(process.execPath, ['scripts/start.mjs'], {
      env: { ...process.env, ORCHA_DATA_DIR: dataDir, ORCHA_PORT: String(port), ORCHA_ADMIN_PASSWORD: PASSWORD, ORCHA_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (d) => {
      output += String(d);
    });
    child.stderr?.on('data', (d) => {
      output += String(d);
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints its URL, and the dashboard shows live data from the simulators after logging in', async () => {
    await expect.poll(() => /orcha listening on (http:\/\/\S+)/.exec(output)?.[1], { timeout: 60_000, interval: 100 }).toBeDefined();
    const url = (/orcha listening on (http:\/\/\S+)/.exec(output) as RegExpExecArray)[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    const points = page.getByTestId('earnings-points');
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
    const first = Number(await points.getAttribute('data-count'));
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 30_000, interval: 200 }).toBeGreaterThan(first);
    const liveAfterS = (performance.now() - startedAt) / 1000;
    await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-state')).toBe('live');
    // Every built-in simulator shows up as a connected node.
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-testid="protocol-row"][data-connected="true"]').count()).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: join(ARTIFACTS, 'npm-start-dashboard.png'), fullPage: true });
    console.log(`npm start: live dashboard data ${liveAfterS.toFixed(1)} s after start (the issue's bar: 15 s)`);
    await page.close();
  }, 120_000);
});
