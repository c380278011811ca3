/**
 * The energy view in a real browser against `npm start`'s product (simulators and their simulated smart plug):
 * gross, power cost and net per protocol, the meter's state, and power over time. A screenshot goes to
 * test-artifacts/ for a human to look at.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'energy-dashboard-password';

describe('energy view in the dashboard', () => {
  let dir: string;
  let orcha: RunningOrcha;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    dir = mkdtempSync(join(tmpdir(), 'orcha-energy-ui-'));
    const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1' };
    orcha = await startOrcha({ loaded: { config: loadConfigText('', env), path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD } });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    await orcha?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows gross, power cost and net per protocol and the plug\'s state', async () => {
    const page = await browser.newPage();
    await page.goto(orcha.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('energy').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('energy-row').count(), { timeout: 15_000 }).toBe(6);
    await expect.poll(() => page.getByTestId('meter').getAttribute('data-status'), { timeout: 15_000 }).toBe('ok');
    const summary = await page.getByTestId('energy-summary').textContent();
    expect(summary).toMatch(/W at 0\.25 USD\/kWh \(flat\): gross .* power .* net /);
    expect(await page.getByTestId('energy-estimated').count()).toBe(0);
    const net = Number(await page.locator('[data-testid="energy-row"][data-protocol="storj"] td[data-net]').getAttribute('data-net'));
    expect(Number.isFinite(net)).toBe(true);
    await page.getByTestId('power-card').waitFor();
    mkdirSync(join(process.cwd(), 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(process.cwd(), 'test-artifacts', 'dashboard-energy.png'), fullPage: true });
  });
});
