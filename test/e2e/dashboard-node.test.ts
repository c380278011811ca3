/**
 * A node's own page in a real browser against the whole product: reached by clicking the protocol on the overview,
 * it shows the node's health as the node states it (Storj version and satellite scores), its held amount, payouts
 * and totals, its earnings history, and the reallocations that touched it with projected and measured effect.
 * Times show in the browser's zone, named on the page, while the API keeps speaking UTC.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reallocation } from '../../src/domain/reallocation.js';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';
const MINUTE = 60_000;
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe('node page', { timeout: 120_000 }, () => {
  let product: ProductHarness;
  let browser: Browser;
  let reallocation: Reallocation;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    // Two simulated hours of one-minute polls, so a change an hour ago has an hour of samples either side.
    product = await startProduct({ warmPolls: 120, tickMs: 0 });
    const latest = (await product.server.store.metrics.latest())!;
    const storj = latest.protocols.find((p) => p.protocol === 'storj')!;
    const golem = latest.protocols.find((p) => p.protocol === 'golem')!;
    // A reallocation recorded the way the engine records one: storj's storage share grew, golem's CPU share fell.
    const at = latest.time - 60 * MINUTE;
    reallocation = {
      id: randomUUID(),
      status: 'applied',
      reason: null,
      trigger: 'loop',
      dryRun: false,
      exploration: false,
      strategy: 'greedy',
      before: { storj: { ...storj.allocation }, golem: { ...golem.allocation } },
      after: { storj: { ...storj.allocation, storage: storj.allocation.storage + 10 }, golem: { ...golem.allocation, cpu: golem.allocation.cpu - 5 } },
      projectedImprovementUsdPerHour: 0.0125,
      projectedDeltas: { storj: 0.009, golem: 0.0035 },
      confidence: 0.8,
      steps: [],
      measuredBeforeUsdPerHour: 0.2,
      measuredAfterUsdPerHour: 0.21,
      createdAt: at,
      finishedAt: at + MINUTE,
    };
    await product.server.store.reallocations.create(reallocation);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await product?.close();
  });

  it('opens from the overview and shows health, held amount, payouts, history and the reallocations that touched it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(product.url);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.locator('[data-testid="protocol-row"][data-protocol="storj"] [data-testid="node-link"]').click();
    await page.getByTestId('node-title').waitFor({ timeout: 10_000 });
    expect(page.url()).toContain('#/node/storj');
    // The title shows at once; the rest fills in when the node's status arrives.
    await page.getByTestId('node-type').filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('node-type').textContent()).toBe('storj');

    // Health as the node stated it at its last poll.
    const status = await product.server.services.status();
    const adapter = status.coordinator.adapters.find((a) => a.protocol === 'storj')!;
    const health = adapter.nodeHealth!;
    expect(health.satellites?.length).toBeGreaterThan(0);
    await page.getByTestId('satellites-table').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('satellite-row').count()).toBe(health.satellites!.length);
    expect(await page.getByTestId('node-version').textContent()).toContain(health.version!);
    expect(await page.getByTestId('node-connection').getAttribute('data-connected')).toBe('true');

    // Held amount (the young simulated node's) and payouts over 30 days.
    expect(health.heldTokens).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('node-held').getAttribute('data-held'), { timeout: 10_000 }).toBe(String(health.heldTokens));
    const latest = (await product.server.store.metrics.latest())!;
    // In the unit the node reports in (Storj's payout estimate is in USD).
    expect(await page.getByTestId('node-held').textContent()).toContain(latest.protocols.find((p) => p.protocol === 'storj')!.token);
    await page.getByTestId('node-payouts').waitFor();
    const week = await product.server.store.metrics.earningsTotals({ from: latest.time - 7 * 86_400_000, to: latest.time });
    const shown = Number(await page.locator('[data-testid="node-total"][data-period="7d"]').getAttribute('data-usd'));
    expect(shown).toBeCloseTo(week.find((t) => t.protocol === 'storj')!.usd, 6);

    // Earnings history for the picked range (24 h by default, only this protocol asked for).
    await expect.poll(async () => Number(await page.getByTestId('node-history-points').getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(50);
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/metrics/history') && r.url().includes('step=15m'));
    await page.getByTestId('range-7d').click();
    expect(new URL((await asked).url()).searchParams.get('protocol')).toBe('storj');

    // The reallocation that touched it: this node's share change, projected and measured effect, and this node's
    // own earnings in the hour before and after.
    const row = page.locator(`[data-testid="node-effect-row"][data-reallocation-id="${reallocation.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    const before = reallocation.before.storj!.storage;
    expect(await row.getByTestId('node-effect-shares').textContent()).toBe(`storage ${before.toFixed(1)} → ${(before + 10).toFixed(1)} %`);
    // This node's own part of the projection, the whole plan's beside it.
    expect(await row.getByTestId('node-effect-projected').getAttribute('data-projected')).toBe('0.009');
    expect(await row.getByTestId('node-effect-projected').textContent()).toMatch(/^\+\$0\.0090\/h/);
    expect(await row.getByTestId('node-effect-plan').textContent()).toContain('plan +$0.0125/h');
    expect(await row.getByTestId('node-effect-measured').textContent()).toContain('+$0.0100/h');
    expect(await row.getByTestId('node-effect-node').textContent()).toMatch(/^\$\d+\.\d{4} → \$\d+\.\d{4} \([+-]\$\d+\.\d{4}\/h\)$/);

    // Local time, zone named: the header says which zone, the row's time is Berlin's wall clock, not UTC's.
    expect(await page.getByTestId('time-zone').textContent()).toMatch(/Europe\/Berlin \(UTC\+[12]\)/);
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hour12: false }).format(reallocation.createdAt);
    const when = (await row.locator('td').first().textContent())!;
    expect(when).toContain(berlin);
    expect(when).toMatch(/CES?T|GMT\+[12]/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-node-storj.png'), fullPage: true });

    // The other node touched by it lists it too; a node it did not touch does not.
    await page.goto(`${product.url}/#/node/golem`);
    const golemRow = page.locator(`[data-testid="node-effect-row"][data-reallocation-id="${reallocation.id}"]`);
    await golemRow.waitFor({ timeout: 10_000 });
    expect(await golemRow.getByTestId('node-effect-projected').getAttribute('data-projected')).toBe('0.0035');
    // Golem's health is its problem list (payment drivers, version...): the page lists what the node stated.
    const golem = (await product.server.services.status()).coordinator.adapters.find((a) => a.protocol === 'golem')!;
    const codes = golem.nodeHealth!.problems.map((p) => p.code);
    if (codes.length === 0) await page.getByTestId('node-no-problems').waitFor();
    else await expect.poll(() => page.getByTestId('node-problem').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))).toEqual(codes);
    await page.goto(`${product.url}/#/node/mysterium`);
    await expect.poll(() => page.getByTestId('node-effects-empty').textContent(), { timeout: 10_000 }).toContain('No reallocation');
    expect(await page.getByTestId('node-title').textContent()).toBe('mysterium');

    // A node that stops answering: its page says so and why, from the adapter's last error.
    const myst = product.server.sims.sims.get('mysterium')!;
    myst.setFault('http500');
    try {
      await product.server.poll(60_000);
      await product.server.poll(60_000);
      const down = (await product.server.services.status()).coordinator.adapters.find((a) => a.protocol === 'mysterium')!;
      expect(down.connected).toBe(false);
      await page.reload();
      await expect.poll(() => page.getByTestId('node-connection').getAttribute('data-connected'), { timeout: 10_000 }).toBe('false');
      expect(await page.getByTestId('node-last-error').textContent()).toBe(down.lastError);
    } finally {
      myst.setFault(null);
    }
    await context.close();
  });

  it('shows payouts with their amounts and the held amount on the overview, and a node\'s own payouts on its page', async () => {
    // A balance that falls and stays down (one reading held, the next confirms it): a payout with its amount.
    product.server.sims.sims.get('honeygain')!.setFault('payout');
    await product.server.poll(60_000);
    await product.server.poll(60_000);
    const latest = (await product.server.store.metrics.latest())!;
    const [payout] = await product.server.store.metrics.payouts({ from: latest.time - 86_400_000, to: latest.time + 1 });
    expect(payout).toMatchObject({ protocol: 'honeygain', time: latest.time });
    expect(payout!.tokens).toBeGreaterThan(0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(product.url);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    const row = page.locator('[data-testid="payouts"] [data-testid="payout-row"][data-protocol="honeygain"]');
    await row.waitFor({ timeout: 10_000 });
    expect(Number(await row.getAttribute('data-tokens'))).toBeCloseTo(payout!.tokens, 9);
    expect(await row.getByTestId('payout-amount').textContent()).toBe(`${payout!.tokens.toFixed(payout!.tokens >= 100 ? 2 : payout!.tokens >= 1 ? 3 : 5)} ${payout!.token}`);
    expect(await row.getByTestId('payout-usd').textContent()).toBe(`$${payout!.usd.toFixed(2)}`);
    // What Storj holds back, beside the payouts, in its own unit.
    const held = (await product.server.services.status()).coordinator.adapters.find((a) => a.protocol === 'storj')!.nodeHealth!.heldTokens!;
    expect(await page.locator('[data-testid="payouts"] [data-testid="held-row"][data-protocol="storj"]').getAttribute('data-held')).toBe(String(held));

    // The node's page lists its own payouts; another node's page lists none.
    await page.goto(`${product.url}/#/node/honeygain`);
    const own = page.locator('[data-testid="payouts"] [data-testid="payout-row"]');
    await own.first().waitFor({ timeout: 10_000 });
    expect(await own.count()).toBe(1);
    expect(await own.getByTestId('payout-amount').textContent()).toContain(payout!.token);
    await page.goto(`${product.url}/#/node/mysterium`);
    await page.getByTestId('payouts-none').waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('fits a 390 px phone and a 1920 px screen without sideways scrolling, on the node page and in settings', async () => {
    for (const width of [390, 1920]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`${product.url}/#/node/storj`);
      await page.getByTestId('login-username').fill(ADMIN.username);
      await page.getByTestId('login-password').fill(ADMIN.password);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('satellites-table').waitFor({ timeout: 10_000 });
      await page.getByTestId('node-effect-row').first().waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="node-history-chart"] canvas').first().waitFor({ timeout: 10_000 });
      const overflow = () =>
        page.evaluate(() => ({
          page: document.documentElement.scrollWidth - window.innerWidth,
          cards: Array.from(document.querySelectorAll<HTMLElement>('.card'))
            .filter((c) => c.scrollWidth > c.clientWidth + 1)
            .map((c) => c.dataset.testid),
        }));
      expect(await overflow(), `${width} px, node page`).toEqual({ page: 0, cards: [] });
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('protocol-config-row').first().waitFor({ timeout: 10_000 });
      await page.getByTestId('users-table').waitFor({ timeout: 10_000 });
      await page.getByTestId('protocol-add').click();
      expect(await overflow(), `${width} px, settings`).toEqual({ page: 0, cards: [] });
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-settings-${width}.png`), fullPage: true });
      await page.close();
    }
  });
});
