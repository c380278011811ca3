/**
 * The dashboard as a daily tool, in a real browser against the whole product: the history range picker reads
 * downsampled history, earnings totals per protocol for today / 7 d / 30 d / month to date, and no horizontal
 * overflow from a 390 px phone to a 1920 px screen.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill(ADMIN.username);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('earnings-card').waitFor({ timeout: 10_000 });
}

describe('dashboard as a daily tool', { timeout: 180_000 }, () => {
  let product: ProductHarness;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    mkdirSync(ARTIFACTS, { recursive: true });
    // Five hours of simulated samples (one poll a simulated minute), so the 24 h range shows more than the 1 h one.
    product = await startProduct({ warmPolls: 300, tickMs: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await product?.close();
  });

  it('reads downsampled history for the range picked (1 h, 24 h, 7 d, 30 d, 1 y)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, product.url);
    const points = page.getByTestId('earnings-points');
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('range-picker').getAttribute('data-range')).toBe('1h');
    const hourPoints = Number(await points.getAttribute('data-count'));

    const asked = page.waitForRequest((req) => req.url().includes('/api/v1/metrics/history') && req.url().includes('step=2m'));
    await page.getByTestId('range-24h').click();
    const url = new URL((await asked).url());
    const from = Date.parse(url.searchParams.get('from')!);
    const to = Date.parse(url.searchParams.get('to')!);
    expect(to - from).toBe(24 * 3_600_000);
    expect(await page.getByTestId('range-24h').getAttribute('aria-pressed')).toBe('true');
    // Five hours of one-minute polls: 60 raw points in the last hour; at a 2-minute step the 24 h range holds more
    // history in fewer points than the raw samples (150 buckets for 300 samples).
    await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(hourPoints);
    expect(Number(await points.getAttribute('data-count'))).toBeLessThanOrEqual(160);

    for (const [key, step] of [['7d', '15m'], ['30d', '1h'], ['1y', '12h']] as const) {
      const answered = page.waitForResponse((res) => res.url().includes('/api/v1/metrics/history') && res.url().includes(`step=${step}`));
      await page.getByTestId(`range-${key}`).click();
      const res = await answered;
      expect(res.status(), key).toBe(200);
      expect(((await res.json()) as { stepSeconds: number }).stepSeconds, key).toBeGreaterThan(0);
      await expect.poll(async () => Number(await points.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThan(0);
    }
    await page.close();
  });

  it('shows earnings totals per protocol for today, 7 d, 30 d and month to date, in USD and tokens', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, product.url);
    const rows = page.getByTestId('totals-row');
    await rows.first().waitFor({ timeout: 20_000 });
    const names = product.server.sims.protocols.map((p) => p.name).sort();
    expect((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-protocol')))).sort()).toEqual(names);
    // The store's own total for the last 7 days is what the 7 d column adds up to.
    const now = (await product.server.store.metrics.latest())!.time;
    const totals = await product.server.store.metrics.earningsTotals({ from: now - 7 * 86_400_000, to: now });
    const expected = totals.reduce((s, t) => s + t.usd, 0);
    const shown = Number((await page.getByTestId('total-7d-sum').textContent())!.replace(/[$,]/g, ''));
    expect(shown).toBeCloseTo(expected, 1);
    // Each cell: USD, then the amount in the protocol's own unit (what its node reports in).
    const latest = (await product.server.store.metrics.latest())!;
    for (const p of latest.protocols) {
      const cell = page.locator(`[data-testid="totals-row"][data-protocol="${p.protocol}"] [data-testid="total-mtd"]`);
      expect(await cell.textContent(), p.protocol).toMatch(new RegExp(`^\\$\\d+\\.\\d{2}\\d*\\.\\d+ ${p.token}$`));
    }

    // Held amounts as the nodes report them (the young simulated Storj node's), in the node's unit.
    const storj = (await product.server.services.status()).coordinator.adapters.find((a) => a.protocol === 'storj')!;
    const held = page.locator('[data-testid="totals-row"][data-protocol="storj"] [data-testid="total-held"]');
    expect(storj.nodeHealth?.heldTokens).toBeGreaterThan(0);
    await expect.poll(() => held.getAttribute('data-held')).toBe(String(storj.nodeHealth!.heldTokens));
    expect(await held.textContent()).toContain(latest.protocols.find((p) => p.protocol === 'storj')!.token);

    // Allocation as stacked bars: per resource, current and optimal, each protocol's segment as wide as its share.
    await page.getByTestId('allocation-row').first().waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('allocation-bars').count()).toBe(4);
    const cpu = page.locator('[data-testid="allocation-bars"][data-resource="cpu"] [data-testid="allocation-bar-current"] .stack-seg');
    const shares = await cpu.evaluateAll((els) => els.map((e) => ({ protocol: e.getAttribute('data-protocol'), share: Number(e.getAttribute('data-share')) })));
    expect(shares.length).toBeGreaterThan(0);
    expect(shares.reduce((sum, x) => sum + x.share, 0)).toBeLessThanOrEqual(100.5);
    for (const { protocol, share } of shares) {
      const cellText = await page.locator(`[data-testid="allocation-row"][data-protocol="${protocol}"] td[data-resource="cpu"]`).textContent();
      expect(Number.parseFloat(cellText!), protocol!).toBeCloseTo(share, 1);
    }
    await page.close();
  });

  it('never scrolls sideways, from a 390 px phone to a 1920 px screen', async () => {
    for (const width of [390, 1024, 1920]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await logIn(page, product.url);
      await page.getByTestId('totals-row').first().waitFor({ timeout: 20_000 });
      await page.getByTestId('allocation-row').first().waitFor({ timeout: 20_000 });
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - window.innerWidth,
        cards: Array.from(document.querySelectorAll<HTMLElement>('.card'))
          .filter((c) => c.scrollWidth > c.clientWidth + 1)
          .map((c) => c.dataset.testid),
      }));
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-width-${width}.png`), fullPage: true });
      expect(overflow.page, `${width} px: the page is wider than the window`).toBeLessThanOrEqual(0);
      expect(overflow.cards, `${width} px: cards overflowing`).toEqual([]);
      await page.close();
    }
  });
});
