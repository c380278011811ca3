/**
 * The host picker in a real browser against the whole product: hidden while this machine is the only host; once a
 * remote host's agent reports, picking it makes the earnings and resource cards read `?host=NAME` (its nodes, its
 * earnings), and "this machine" brings the local picture back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('host picker', { timeout: 120_000 }, () => {
  let product: ProductHarness;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    product = await startProduct({ tickMs: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await product?.close();
  });

  it('appears with a second host and switches the earnings and resource cards to it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(product.url);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    const local = (await product.server.store.metrics.latest())!;
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 15_000 }).toBe(local.protocols.length);
    // One machine: the picker has its answer (no remote host) and stays hidden.
    await page.getByTestId('host-picker').waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.getByTestId('host-picker').isHidden()).toBe(true);

    // A remote host whose agent reported one snapshot: two nodes, its own earnings.
    const { key: token } = await product.auth.createApiKey({ name: 'hosts-e2e', role: 'admin' });
    const created = await fetch(`${product.url}/api/v1/hosts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'edge' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const remote = { ...local, time: local.time - 60_000, totalUsdPerHour: 0.4242, protocols: local.protocols.slice(0, 2) };
    const sent = await fetch(`${product.url}/api/v1/agent/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ batchId: 'ui-hosts-batch-1', agentVersion: AGENT_VERSION, snapshots: [remote] }),
    });
    expect(sent.status).toBe(200);

    await page.reload();
    const picker = page.getByTestId('host-picker');
    await picker.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await picker.locator('option').allTextContents()).toEqual(['this machine', 'edge']);
    const metrics = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/metrics' && new URL(r.url()).searchParams.get('host') === 'edge');
    const history = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/metrics/history' && new URL(r.url()).searchParams.get('host') === 'edge');
    await picker.selectOption('edge');
    await Promise.all([metrics, history]);
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('total-earnings').textContent()).toBe('Total $0.4242 per hour');

    // Back to this machine: its own nodes again.
    await picker.selectOption('');
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 10_000 }).toBe(local.protocols.length);
    expect(await page.getByTestId('total-earnings').textContent()).not.toBe('Total $0.4242 per hour');

    // On a 390 px phone the picker wraps with the range buttons instead of pushing the page sideways.
    await page.setViewportSize({ width: 390, height: 900 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
    expect(await picker.isVisible()).toBe(true);
    await page.close();
  });
});
