/**
 * The fleet card in a real browser against the product started through its composition root: hidden while this
 * machine is the only host, then one row per host with its health, once a remote host exists and its agent reports.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { energyPoint } from '../helpers/energy-points.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'fleet-dashboard-password';

describe('fleet card in the dashboard', () => {
  let dir: string;
  let orcha: RunningOrcha;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    dir = mkdtempSync(join(tmpdir(), 'orcha-fleet-ui-'));
    const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1', ORCHA_FLEET_LOCAL_NAME: 'home' };
    orcha = await startOrcha({ loaded: { config: loadConfigText('', env), path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD } });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    await orcha?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays hidden for one machine, then shows a row per host with its health', async () => {
    const page = await browser.newPage();
    await page.goto(orcha.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('resources').waitFor({ timeout: 15_000 });
    // The card has its answer (one host: this machine) and stays hidden.
    await page.getByTestId('fleet-summary').waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.getByTestId('fleet-summary').textContent()).toMatch(/^1 hosts: 1 ok/);
    expect(await page.getByTestId('fleet').isHidden()).toBe(true);

    // A remote host whose agent has reported, and one whose agent never did.
    const login = await fetch(`${orcha.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
    const edge = (await (await fetch(`${orcha.url}/api/v1/hosts`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'edge' }) })).json()) as { key: string };
    await fetch(`${orcha.url}/api/v1/hosts`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'quiet' }) });
    const snapshot = { ...orcha.coordinator.latest()!, time: Date.now() };
    const sent = await fetch(`${orcha.url}/api/v1/agent/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${edge.key}` },
      // edge's energy accounting: 100 W at 0.20 USD/kWh, its net per hour 0.05 - 0.02.
      body: JSON.stringify({ batchId: 'ui-batch-0001', agentVersion: AGENT_VERSION, snapshots: [snapshot], energy: [energyPoint(snapshot.time, 100)] }),
    });
    expect(sent.status).toBe(200);

    await page.reload();
    await page.getByTestId('fleet').waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => page.getByTestId('fleet-row').count(), { timeout: 15_000 }).toBe(3);
    const health = async (host: string) => page.locator(`[data-testid="fleet-row"][data-host="${host}"]`).getAttribute('data-health');
    expect(await health('home')).toBe('ok');
    expect(await health('edge')).toBe('ok');
    expect(await health('quiet')).toBe('never-seen');
    const net = async (host: string) => page.locator(`[data-testid="fleet-row"][data-host="${host}"] [data-testid="fleet-net"]`).textContent();
    expect(await net('edge')).toBe('$0.0300');
    expect(await net('quiet')).toBe('–');
    expect(await page.getByTestId('fleet-summary').textContent()).toMatch(/^3 hosts: 2 ok, 0 silent, 1 never seen, 0 revoked; /);
  });
});
