/**
 * The settings page in a real browser against the whole product, clicked through as an admin would: edit and save
 * the configuration (diff first, audited, field errors when refused), add / edit / remove a protocol through the
 * same path, users and roles, API keys (shown once, then revoked), and changing one's own password as a viewer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type ProductHarness, startProduct } from './dashboard.harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

async function openSettings(page: Page, url: string, user = ADMIN): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-title').waitFor({ timeout: 10_000 });
}

describe('dashboard settings', { timeout: 120_000 }, () => {
  let product: ProductHarness;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building the dashboard failed');
    product = await startProduct({ tickMs: 0 });
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

  it('saves a config edit after showing what changes, and names the field of an edit the server refuses', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openSettings(page, product.url);
    const editor = page.getByTestId('config-editor');
    await expect.poll(async () => (await editor.inputValue()).length, { timeout: 10_000 }).toBeGreaterThan(10);
    const config = JSON.parse(await editor.inputValue());
    expect(config.intervals.poll).toBe(5);

    // An invalid edit: validated before any diff, nothing saved.
    config.intervals.poll = -5;
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByTestId('config-review').click();
    await expect.poll(() => page.getByTestId('config-result').getAttribute('data-state')).toBe('invalid');
    expect(await page.getByTestId('config-error').first().textContent()).toContain('intervals.poll');
    expect(await page.getByTestId('config-save').count()).toBe(0);

    // A valid edit: the diff names exactly the changed key, then Save writes, applies and audits it.
    config.intervals.poll = 7;
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByTestId('config-review').click();
    const lines = page.getByTestId('config-diff-line');
    await lines.first().waitFor();
    expect(await lines.evaluateAll((els) => els.map((e) => [e.getAttribute('data-path'), e.getAttribute('data-kind')]))).toEqual([['intervals.poll', 'changed']]);
    expect(await lines.first().textContent()).toContain('5 → 7');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-settings-diff.png'), fullPage: true });
    expect(product.server.configService.current().intervals.poll).toBe(5); // reviewing applies nothing
    await page.getByTestId('config-save').click();
    await page.getByTestId('config-saved').waitFor();
    expect(await page.getByTestId('config-saved').textContent()).toContain('intervals'); // the sections that changed
    expect(product.server.configService.current().intervals.poll).toBe(7);
    // The file gets the edit, not the defaults the running config fills in around it.
    const file = readFileSync(product.server.configPath, 'utf8');
    expect(file).toMatch(/poll: 7\b/);
    expect(file).not.toContain('api.telegram.org');
    expect(product.server.configService.current().notifications.endpoints.telegram).toBe('https://api.telegram.org');
    const audit = await product.server.store.audit.list({ action: 'PUT /api/v1/config' });
    expect(audit.find((e) => e.actor === ADMIN.username && e.result === 'success')?.details).toMatchObject({ changedKeys: ['intervals'] });
    // The editor now shows the saved config, and a second review says nothing changes.
    await expect.poll(async () => JSON.parse(await editor.inputValue()).intervals.poll).toBe(7);
    await page.getByTestId('config-review').click();
    await page.getByTestId('config-nochange').waitFor();
    await page.close();
  });

  it('does not save over a change made elsewhere since the edit began, and says what changed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openSettings(page, product.url);
    const editor = page.getByTestId('config-editor');
    await expect.poll(async () => (await editor.inputValue()).length, { timeout: 10_000 }).toBeGreaterThan(10);
    const config = JSON.parse(await editor.inputValue());
    const poll = product.server.configService.current().intervals.poll;
    config.intervals.poll = poll + 1;
    await editor.fill(JSON.stringify(config, null, 2));
    await page.getByTestId('config-review').click();
    await page.getByTestId('config-diff-line').first().waitFor();

    // Meanwhile someone edits orcha.yaml (the same path a file edit or another admin's save takes).
    const push = product.server.configService.current().intervals.push;
    await product.server.configService.update((raw) => ({ ...raw, intervals: { ...(raw.intervals as object), push: push + 1 } }));
    await page.getByTestId('config-save').click();
    await expect.poll(() => page.getByTestId('config-change').getAttribute('data-state')).toBe('stale');
    expect(await page.getByTestId('config-elsewhere-line').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['intervals.push']);
    expect(product.server.configService.current().intervals).toMatchObject({ poll, push: push + 1 });

    // Reloading drops the edit and shows the file as it now is.
    await page.getByTestId('config-reload').click();
    await expect.poll(async () => JSON.parse(await editor.inputValue()).intervals).toMatchObject({ poll, push: push + 1 });
    await page.close();
  });

  it('adds, edits and removes a protocol as config changes, showing the server\'s refusal of a bad one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openSettings(page, product.url);
    const rows = page.getByTestId('protocol-config-row');
    await rows.first().waitFor({ timeout: 10_000 });
    const configured = product.server.configService.current().protocols.length;
    expect(await rows.count()).toBe(configured);

    // A name the schema refuses: the diff shows the addition, the server refuses it and names the field.
    await page.getByTestId('protocol-add').click();
    await page.getByTestId('protocol-name').fill('Second Storj');
    await page.getByTestId('protocol-type').selectOption('storj');
    await page.getByTestId('protocol-endpoint').fill('http://127.0.0.1:9/');
    await page.getByTestId('protocol-review').click();
    await page.locator('[data-testid="protocol-diff-line"][data-path="protocols[Second Storj]"][data-kind="added"]').waitFor();
    await page.getByTestId('protocol-save').click();
    await expect.poll(() => page.getByTestId('protocol-change').getAttribute('data-state')).toBe('rejected');
    expect(await page.getByTestId('protocol-error').first().textContent()).toContain(`body.protocols[${configured}].name`);
    expect(product.server.configService.current().protocols).toHaveLength(configured);

    // Fixed, it is saved and applied.
    await page.getByTestId('protocol-name').fill('storj-2');
    await page.getByTestId('protocol-review').click();
    await page.locator('[data-testid="protocol-diff-line"][data-path="protocols[storj-2]"]').waitFor();
    await page.getByTestId('protocol-save').click();
    await page.getByTestId('protocol-saved').waitFor();
    const added = product.server.configService.current().protocols.find((p) => p.name === 'storj-2');
    expect(added).toMatchObject({ type: 'storj', endpoint: 'http://127.0.0.1:9/', enabled: true, pinned: false });
    // Defaults stay out of the file: the new entry holds what the form said.
    expect(readFileSync(product.server.configPath, 'utf8')).toMatch(/name: storj-2\n\s+type: storj\n\s+endpoint: http:\/\/127\.0\.0\.1:9\/\n/);
    const row = page.locator('[data-testid="protocol-config-row"][data-protocol="storj-2"]');
    await row.waitFor();

    // Edit: pin it. Only that field changes; the fields the form does not show stay.
    await row.getByTestId('protocol-edit').click();
    await page.getByTestId('protocol-pinned').check();
    await page.getByTestId('protocol-review').click();
    const lines = page.getByTestId('protocol-diff-line');
    await lines.first().waitFor();
    expect(await lines.evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['protocols[storj-2].pinned']);
    await page.getByTestId('protocol-save').click();
    await page.getByTestId('protocol-saved').waitFor();
    expect(product.server.configService.current().protocols.find((p) => p.name === 'storj-2')).toMatchObject({ pinned: true, timeout: added!.timeout });

    // Remove it.
    await row.getByTestId('protocol-remove').click();
    await page.locator('[data-testid="protocol-diff-line"][data-path="protocols[storj-2]"][data-kind="removed"]').waitFor();
    await page.getByTestId('protocol-save').click();
    await page.getByTestId('protocol-saved').waitFor();
    expect(product.server.configService.current().protocols.map((p) => p.name)).not.toContain('storj-2');
    await expect.poll(() => row.count()).toBe(0);
    await page.close();
  });

  it('adds a user, changes their role, disables them, refuses a short password by field, and deletes the user', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openSettings(page, product.url);
    await page.getByTestId('users-table').waitFor({ timeout: 10_000 });

    await page.getByTestId('user-new-name').fill('carol');
    await page.getByTestId('user-new-password').fill('short');
    await page.getByTestId('user-add').click();
    await expect.poll(() => page.getByTestId('users-result').getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('users-error').first().textContent()).toContain('body.password');

    await page.getByTestId('user-new-password').fill('carol-password-long-enough');
    await page.getByTestId('user-new-role').selectOption('operator');
    await page.getByTestId('user-add').click();
    const row = page.locator('[data-testid="user-row"][data-username="carol"]');
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('operator');
    const id = (await product.auth.listUsers()).find((u) => u.username === 'carol')!.id;
    expect((await product.auth.getUser(id)).role).toBe('operator');

    await row.getByTestId('user-role').selectOption('viewer');
    await expect.poll(() => row.getAttribute('data-role')).toBe('viewer');
    expect((await product.auth.getUser(id)).role).toBe('viewer');

    // Disabling keeps the user but shuts their door.
    await row.getByTestId('user-toggle').click();
    await expect.poll(() => row.getAttribute('data-disabled')).toBe('true');
    expect((await product.auth.getUser(id)).disabled).toBe(true);
    await expect(product.auth.login('carol', 'carol-password-long-enough')).rejects.toThrow();

    // Delete asks once more before it acts.
    await row.getByTestId('user-delete').click();
    expect((await product.auth.listUsers()).some((u) => u.username === 'carol')).toBe(true);
    await row.getByTestId('user-delete').click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await product.auth.listUsers()).some((u) => u.username === 'carol')).toBe(false);
    await page.close();
  });

  it('creates an API key shown once that opens the API, lists it without the secret, and revokes it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openSettings(page, product.url);
    await page.getByTestId('apikey-form').waitFor({ timeout: 10_000 });
    await page.getByTestId('apikey-new-name').fill('grafana');
    await page.getByTestId('apikey-new-role').selectOption('viewer');
    await page.getByTestId('apikey-create').click();
    const key = (await page.getByTestId('apikey-created').textContent())!;
    expect(key.length).toBeGreaterThan(20);
    const opens = async () => (await fetch(`${product.url}/api/v1/status`, { headers: { authorization: `Bearer ${key}` } })).status;
    expect(await opens()).toBe(200);

    const row = page.locator('[data-testid="apikey-row"][data-name="grafana"]');
    await row.waitFor();
    expect(key.startsWith((await row.getAttribute('data-prefix'))!)).toBe(true);
    expect(await page.getByTestId('apikeys-table').textContent()).not.toContain(key);
    await page.getByTestId('apikeys-settings').screenshot({ path: join(ARTIFACTS, 'dashboard-settings-apikey.png') });
    // Shown once: after a reload only the prefix is left.
    await page.reload();
    await row.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('apikey-created').count()).toBe(0);

    await row.getByTestId('apikey-revoke').click();
    await row.getByTestId('apikey-revoke').click();
    await expect.poll(() => row.getAttribute('data-revoked')).toBe('true');
    expect(await opens()).toBe(401);
    await page.close();
  });

  it('lets a viewer change their own password (wrong current one refused), and shows them nothing admin-only', async () => {
    const viewer = { username: 'vera', password: 'vera-first-password-123' };
    await product.auth.createUser({ ...viewer, role: 'viewer' });
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    await openSettings(page, product.url, viewer);
    await page.getByTestId('password-form').waitFor();
    expect(await page.getByTestId('config').count()).toBe(0);
    expect(await page.getByTestId('users-settings').count()).toBe(0);

    await page.getByTestId('password-current').fill('not-my-password');
    await page.getByTestId('password-new').fill('vera-second-password-456');
    await page.getByTestId('password-again').fill('vera-second-password-456');
    await page.getByTestId('password-submit').click();
    await expect.poll(() => page.getByTestId('password-result').getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('password-error').first().textContent()).toContain('currentPassword');

    await page.getByTestId('password-current').fill(viewer.password);
    await page.getByTestId('password-submit').click();
    await expect.poll(() => page.getByTestId('password-result').getAttribute('data-state')).toBe('ok');
    await expect(product.auth.login(viewer.username, viewer.password)).rejects.toThrow();
    await product.auth.login(viewer.username, 'vera-second-password-456');
    // The session goes on after the change (it logged in again with the new password).
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('earnings-card').waitFor();
    await page.reload();
    await page.getByTestId('earnings-card').waitFor();
    expect(await page.getByTestId('login-form').count()).toBe(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
