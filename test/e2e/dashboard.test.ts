/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the whole product:
 * log in, live earnings and resource use, acknowledge an alert, dry-run reallocation, phone width. Screenshots
 * go to test-artifacts/ for a human to look at.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill(ADMIN.username);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('earnings-card').waitFor({ timeout: 10_000 });
}

describe('dashboard in a browser', () => {
  let product: ProductHarness;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    // The page under test is the built bundle; build it if it is missing or stale (fast when up to date).
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    mkdirSync(ARTIFACTS, { recursive: true });
    product = await startProduct();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await product?.close();
  });

  it('refuses a wrong password, then logs in and out', async () => {
    const page = await browser.newPage();
    await page.goto(product.url);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Wrong username or password');

    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('logout').waitFor({ state: 'visible' });
    expect(await page.getByTestId('current-user').textContent()).toContain('admin');
    // The session survives a reload (sessionStorage) ...
    await page.reload();
    await page.getByTestId('earnings-card').waitFor();
    // ... and logging out brings the login back.
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    await page.close();
  });

  it('shows live earnings: the chart receives a new point within 10 s', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, product.url);
    const points = page.getByTestId('earnings-points');
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(0);
    const before = Number(await points.getAttribute('data-count'));
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000, interval: 250 }).toBeGreaterThan(before);
    await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-state')).toBe('live');
    // uPlot drew into a canvas, and every simulated protocol has a row.
    expect(await page.locator('[data-testid="earnings-chart"] canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('protocol-row').count()).toBe(product.server.sims.protocols.length);
    // No simulated protocol runs in a container: its CPU, memory, network and disk I/O say "not measured", never 0.
    const notMeasured = page.locator('[data-testid="protocol-row"] [data-testid="not-measured"]');
    expect(await notMeasured.count()).toBe(product.server.sims.protocols.length);
    expect(await notMeasured.first().textContent()).toBe('not measured');
    await page.getByTestId('allocation-row').first().waitFor();
    await shot(page, 'overview');
    await page.close();
  });

  it('shows resource use over time: history at load, then a new point from a live push within 10 s', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const history = page.waitForResponse((res) => res.url().includes('/api/v1/metrics/history') && res.ok());
    await logIn(page, product.url);
    const points = page.getByTestId('resource-points');
    // Every snapshot-level point of the history answer is on the chart (plus any pushed since).
    const historyPoints = ((await (await history).json()) as { points: unknown[] }).points.length;
    expect(historyPoints).toBeGreaterThan(0);
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThanOrEqual(historyPoints);
    expect(await page.getByTestId('resource-chart-empty').isVisible()).toBe(false);
    // Once the socket is live, pushes (not the REST fallback) bring the next point.
    await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-state')).toBe('live');
    const before = Number(await points.getAttribute('data-count'));
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000, interval: 250 }).toBeGreaterThan(before);
    expect(await page.getByTestId('resource-chart').getAttribute('data-count')).toBe(await points.getAttribute('data-count'));
    // uPlot drew into a canvas, with one legend entry per resource.
    expect(await page.locator('[data-testid="resource-chart"] canvas').count()).toBeGreaterThan(0);
    const legend = await page.locator('[data-testid="resource-chart"] .u-legend .u-series .u-label').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['CPU', 'Memory', 'Bandwidth', 'Storage']));
    await page.getByTestId('resource-chart-card').scrollIntoViewIfNeeded();
    await shot(page, 'resource-chart');
    await page.close();
  });

  it('acknowledges an alert and shows the change', async () => {
    const alert = await product.raiseAlert('e2e: earnings fell by half');
    const page = await browser.newPage();
    await logIn(page, product.url);
    const row = page.locator(`[data-testid="alert-row"][data-alert-id="${alert.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-status')).toBe('open');
    await row.getByTestId('alert-ack').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('acknowledged');
    expect((await product.server.store.alerts.get(alert.id))?.status).toBe('acknowledged');
    // After a reload the server's state says the same.
    await page.reload();
    const again = page.locator(`[data-testid="alert-row"][data-alert-id="${alert.id}"]`);
    await again.waitFor({ timeout: 20_000 });
    expect(await again.getAttribute('data-status')).toBe('acknowledged');
    await shot(page, 'alert-acknowledged');
    await page.close();
  });

  it('runs a dry-run reallocation and shows it in the history', async () => {
    const page = await browser.newPage();
    await logIn(page, product.url);
    const rows = page.locator('[data-testid="reallocation-row"][data-dry-run="true"]');
    const before = await rows.count();
    await page.getByTestId('dry-run-button').click();
    await expect.poll(() => page.getByTestId('dry-run-status').getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await page.getByTestId('dry-run-status').textContent()).toMatch(/Dry-run completed/);
    await shot(page, 'dry-run');
    await page.close();
  });

  it('validates an edit of the running config and names the wrong field', async () => {
    const page = await browser.newPage();
    await logIn(page, product.url);
    await page.getByTestId('nav-settings').click();
    const editor = page.getByTestId('config-editor');
    await expect.poll(async () => (await editor.inputValue()).length, { timeout: 10_000 }).toBeGreaterThan(10);
    const config = JSON.parse(await editor.inputValue());
    config.intervals.poll = -5;
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByTestId('config-validate').click();
    await expect.poll(() => page.getByTestId('config-result').getAttribute('data-state')).toBe('invalid');
    expect(await page.getByTestId('config-error').first().textContent()).toContain('intervals.poll');
    config.intervals.poll = 10;
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByTestId('config-validate').click();
    await expect.poll(() => page.getByTestId('config-result').getAttribute('data-state')).toBe('valid');
    // Validation applies nothing.
    expect(product.server.configService.current().intervals.poll).toBe(5);
    await page.close();
  });

  it('fits a phone-width screen without horizontal page scroll', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true });
    await logIn(page, product.url);
    await page.getByTestId('protocol-row').first().waitFor();
    // Measure with both charts drawn.
    await page.locator('[data-testid="resource-chart"] canvas').first().waitFor();
    await page.locator('[data-testid="earnings-chart"] canvas').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'phone');
    await page.close();
  });

  it('says "node disconnected" when a node stops answering, and clears it when the node is back', async () => {
    const sim = [...product.server.sims.sims.values()][0]!;
    const page = await browser.newPage();
    await logIn(page, product.url);
    const row = page.locator(`[data-testid="protocol-row"][data-protocol="${sim.name}"]`);
    await row.waitFor();
    sim.setFault('disconnected');
    try {
      await expect.poll(() => row.getAttribute('data-connected'), { timeout: 20_000 }).toBe('false');
      await expect.poll(() => page.getByTestId('banner').getAttribute('data-state')).toBe('disconnected');
      expect(await page.getByTestId('banner').textContent()).toContain(sim.name);
      await shot(page, 'node-disconnected');
    } finally {
      sim.setFault(null);
    }
    await expect.poll(() => row.getAttribute('data-connected'), { timeout: 30_000 }).toBe('true');
    await page.close();
  });

  it('says "server unreachable" when the API stops answering', async () => {
    const page = await browser.newPage();
    await logIn(page, product.url);
    await page.getByTestId('protocol-row').first().waitFor();
    // Cut the page off from the server: the network goes away, every API request fails.
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.context().setOffline(true);
    await expect.poll(() => page.getByTestId('banner').getAttribute('data-state'), { timeout: 20_000 }).toBe('unreachable');
    await shot(page, 'unreachable');
    // And it recovers by itself when the network is back.
    await page.unroute('**/api/**');
    await page.context().setOffline(false);
    await expect.poll(() => page.getByTestId('banner').getAttribute('data-state'), { timeout: 20_000 }).not.toBe('unreachable');
    await page.close();
  });

  it('says "no data yet" before the first snapshot', async () => {
    const empty = await startProduct({ warmPolls: 0, tickMs: 0 });
    try {
      const page = await browser.newPage();
      await logIn(page, empty.url);
      await expect.poll(() => page.getByTestId('banner').getAttribute('data-state'), { timeout: 10_000 }).toBe('no-data');
      expect(await page.getByTestId('earnings-empty').isVisible()).toBe(true);
      expect(await page.getByTestId('resource-chart-empty').isVisible()).toBe(true);
      expect(await page.getByTestId('resource-points').getAttribute('data-count')).toBe('0');
      await shot(page, 'no-data');
      await page.close();
    } finally {
      await empty.close();
    }
  });
});
