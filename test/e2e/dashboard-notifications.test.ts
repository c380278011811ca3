/**
 * The dashboard's notification settings in a real browser (Debian's chromium through playwright-core) against the
 * whole product: the channels with their last delivery (an alert that went out through the outbox), and the "Send
 * test" button delivering to a local receiver and showing each channel's result. A screenshot goes to test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.js';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('notification settings in the dashboard', () => {
  let product: ProductHarness;
  let receiver: RecordingServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    receiver = await recordingServer({ '/hook': () => ({ body: '{}' }), '/down': () => ({ status: 503, body: 'down' }) });
    const host = receiver.url.replace('http://', '');
    product = await startProduct({
      tickMs: 0,
      config: {
        notifications: {
          channels: [
            { name: 'hook', url: `json://${host}/hook` },
            { name: 'down', url: `json://${host}/down?token=tok-secret-1234`, minSeverity: 'critical' },
          ],
          dashboardUrl: 'http://orcha.example:8080',
        },
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    await product?.close();
    await receiver?.close();
  });

  it('lists the channels with their last delivery; Send test delivers to the receiver and shows each result', async () => {
    // A warning alert goes out through the outbox to the channel that takes warnings.
    const { notifier, store, clock } = { notifier: product.server.running.notifier, store: product.server.store, clock: product.server.clock };
    const alert: Alert = {
      id: randomUUID(),
      type: 'resource_pressure',
      severity: 'warning',
      status: 'open',
      dedupKey: 'resource_pressure:cpu',
      protocol: null,
      message: 'host cpu at 96 % (threshold 90 %)',
      details: { resource: 'cpu', percent: 96, threshold: 90 },
      createdAt: clock.now(),
      updatedAt: clock.now(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    };
    await store.alerts.insert(alert);
    notifier.onAlert({ change: 'raised', alert });
    await notifier.flush();
    await notifier.dispatch();
    expect(receiver.requests.map((r) => `${r.path} ${(r.body as { kind: string }).kind}`)).toEqual(['/hook alert']);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(product.url);
    await page.getByTestId('login-username').fill(ADMIN.username);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    const rows = page.getByTestId('notify-channel');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    const hook = page.locator('[data-testid="notify-channel"][data-channel="hook"]');
    const down = page.locator('[data-testid="notify-channel"][data-channel="down"]');
    expect(await hook.getAttribute('data-last')).toBe('alert sent');
    expect(await hook.textContent()).toMatch(/json:\/\/127\.0\.0\.1:\d+/);
    expect(await down.getAttribute('data-last')).toBe('never');
    expect(await down.textContent()).toContain('never');
    // The delivery beside the open alert, and never a secret on the page.
    await expect.poll(() => page.getByTestId('notify-deliveries').textContent()).toContain('hook sent');
    expect(await page.getByTestId('notifications').textContent()).not.toContain('tok-secret-1234');

    await clock.advance(60_000); // a minute later, the operator tries the channels
    await page.getByTestId('notify-test').click();
    const result = page.getByTestId('notify-test-result');
    await expect.poll(() => result.count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator('[data-testid="notify-test-result"][data-channel="hook"]').textContent()).toBe('hook: sent');
    expect(await page.locator('[data-testid="notify-test-result"][data-channel="down"]').textContent()).toMatch(/^down: failed: HTTP 503/);
    expect(receiver.requests.filter((r) => (r.body as { kind: string }).kind === 'test').map((r) => r.path).sort()).toEqual(['/down', '/hook']);
    // The list reloads: each channel's last delivery is now the test, the failing one marked so.
    await expect.poll(() => hook.getAttribute('data-last')).toBe('test sent');
    await expect.poll(() => down.getAttribute('data-last')).toBe('test failed');
    expect(await down.getAttribute('data-state')).toBe('failing');
    expect(await down.textContent()).toContain('HTTP 503');

    mkdirSync(join(process.cwd(), 'test-artifacts'), { recursive: true });
    await page.getByTestId('notifications').screenshot({ path: join(process.cwd(), 'test-artifacts', 'dashboard-notifications.png') });
    await page.close();
  });
});
