/**
 * The host picker in a real browser against the whole product: hidden while this machine is the only host; once a
 * remote host's agent reports, picking it makes the earnings and resource cards read `?host=NAME` (its nodes, its
 * earnings), and "this machine" brings the local picture back. The reallocations card then shows the plans the control
 * plane made for that host (status, projected gain, its agent's outcome, who decided), the allocation card its nodes.
 * Its nodes link to their pages on that host (`#/node/NAME?host=edge`): rate, breaker and last error, alerts, plans
 * and payouts as edge reported them; the way back keeps edge picked. The power card shows edge's draw and net as its
 * agent's energy accounting sent them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { energyPoint } from '../helpers/energy-points.js';
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

  it('appears with a second host and switches the overview to it: earnings, resources, allocation and its plans', async () => {
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
    // Its first node paid out at this poll; its second one answers with its own rate, its breaker open on the agent.
    const [first, second] = local.protocols;
    const at = local.time - 60_000;
    const remote = {
      ...local,
      time: at,
      totalUsdPerHour: 0.4242,
      protocols: [{ ...first!, time: at, payoutEvent: true, payout: { tokens: 7.5, usd: 1.25 } }, { ...second!, time: at, usdPerHour: 0.3131, connected: true }],
    };
    const adapter = (p: typeof first, broken: boolean) => ({
      protocol: p!.protocol,
      type: p!.type,
      connected: !broken,
      breaker: broken ? 'open' : 'closed',
      lastError: broken ? 'connect ECONNREFUSED 10.0.0.9:7777' : null,
      latencyMs: 9,
      lastSuccessAt: remote.time,
      consecutiveFailures: broken ? 4 : 0,
    });
    const status = {
      version: AGENT_VERSION,
      startedAt: remote.time - 3_600_000,
      uptimeSeconds: 3600,
      mode: 'auto',
      strategy: 'control-plane',
      lastPlanAt: null,
      coordinator: { running: true, lastPollAt: remote.time, polls: 720, adapters: [adapter(first, false), adapter(second, true)] },
      queue: { pending: 0, processing: 0, capacity: 100, byPriority: { critical: 0, high: 0, normal: 0, low: 0 } },
    };
    const sent = await fetch(`${product.url}/api/v1/agent/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      // edge's energy accounting: a point of 77.7 W (its meter, its tariff).
      body: JSON.stringify({ batchId: 'ui-hosts-batch-1', agentVersion: AGENT_VERSION, snapshots: [remote], status, energy: [energyPoint(at, 77.7)] }),
    });
    expect(sent.status).toBe(200);

    // Two plans the control plane made for edge under its decision lease; edge's agent reported one skipped.
    const store = product.server.store;
    const edge = (await store.fleet.findHostByName('edge'))!;
    // This machine's plan narrowed to edge's two nodes (the optimizer's shape, edge's protocols).
    const localPlan = (await product.server.services.engine.plan())!;
    const mine = new Set(remote.protocols.map((p) => p.protocol));
    const only = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).filter(([k]) => mine.has(k)));
    const plan = { ...localPlan, current: only(localPlan.current), target: only(localPlan.target), opportunities: [] };
    const lease = (await store.leases.acquire('host:edge', 'replica-ui', Date.now(), 600_000))!;
    for (const [id, ago] of [['plan-old', 120_000], ['plan-new', 60_000]] as const) {
      const stored = await store.hostPlans.insertFenced(
        { id, hostId: edge.id, fence: lease.fence, createdAt: Date.now() - ago, plan },
        { name: 'host:edge', holder: 'replica-ui', now: Date.now() },
      );
      expect(stored).toBe(true);
    }
    const reported = await fetch(`${product.url}/api/v1/agent/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ outcomes: [{ planId: 'plan-old', status: 'skipped', reason: 'low_confidence: under 0.7', reallocationId: null, at: Date.now() }] }),
    });
    expect(await reported.json()).toEqual({ recorded: 1 });

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
    // Its power and net, as its agent's accounting sent them.
    await expect.poll(() => page.getByTestId('energy-summary').textContent(), { timeout: 10_000 }).toMatch(/^77\.7 W at 0\.2 USD\/kWh \(flat\)/);
    expect(await page.getByTestId('energy-row').count()).toBe(1);
    // Its plans in the reallocations card, newest first; its two nodes in the allocation card; no dry-run of this machine.
    await expect.poll(() => page.getByTestId('host-plan-row').count(), { timeout: 10_000 }).toBe(2);
    const rows = page.getByTestId('host-plan-row');
    expect([await rows.nth(0).getAttribute('data-status'), await rows.nth(1).getAttribute('data-status')]).toEqual(['planned', 'skipped']);
    expect(await rows.nth(1).getByTestId('host-plan-outcome').textContent()).toBe('skipped: low_confidence: under 0.7');
    expect(await rows.nth(0).getByTestId('host-plan-decided-by').textContent()).toBe(`replica replica-ui (${plan.strategy}, fence ${lease.fence})`);
    expect(await rows.nth(0).getByTestId('host-plan-gain').textContent()).toContain(plan.improvementUsdPerHour.toFixed(4));
    expect(await page.getByTestId('host-plans-summary').textContent()).toContain('the latest 2 of 2');
    expect(await page.getByTestId('dry-run-button').isHidden()).toBe(true);
    await expect.poll(() => page.getByTestId('allocation-row').count(), { timeout: 10_000 }).toBe(2);
    // Its earnings totals: its two nodes, over every period (today, 7 days, 30 days, month to date).
    await expect.poll(() => page.getByTestId('totals-row').count(), { timeout: 10_000 }).toBe(2);
    // The URL names the host shown; edge's protocols link to edge's node pages, never to this machine's.
    expect(page.url()).toContain('#/?host=edge');
    const links = page.getByTestId('protocol-row').getByTestId('node-link');
    expect((await links.evaluateAll((els) => els.map((e) => e.getAttribute('href')))).sort()).toEqual(
      remote.protocols.map((p) => `#/node/${encodeURIComponent(p.protocol)}?host=edge`).sort(),
    );

    // An alert the control plane raised about edge's second node, and one about this machine's node of that name.
    const t = Date.now();
    const alert = (id: string, dedupKey: string, message: string) =>
      store.alerts.insert({
        id,
        type: 'host_node_disconnected',
        severity: 'warning',
        status: 'open',
        dedupKey,
        protocol: second!.protocol,
        message,
        details: {},
        createdAt: t,
        updatedAt: t,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
      });
    await alert('alert-edge-node', `host_node_disconnected:edge:${second!.protocol}`, `host edge: node ${second!.protocol} is disconnected`);
    await alert('alert-local-node', `protocol_disconnected:${second!.protocol}`, `${second!.protocol} on this machine`);

    // edge's second node: every read of its page asks for edge's.
    const asked = new Set<string>();
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/v1/') && url.searchParams.get('host') === 'edge') asked.add(url.pathname.slice('/api/v1/'.length));
    });
    await page.locator(`[data-testid="protocol-row"][data-protocol="${second!.protocol}"] [data-testid="node-link"]`).click();
    await page.getByTestId('node-title').waitFor({ timeout: 10_000 });
    expect(page.url()).toContain(`#/node/${second!.protocol}?host=edge`);
    expect(await page.getByTestId('node-host').textContent()).toBe('on edge');
    // Its rate from edge's sample; its breaker and last error from edge's agent's status summary.
    await expect.poll(() => page.getByTestId('node-rate').textContent(), { timeout: 10_000 }).toBe('$0.3131/h');
    expect(await page.getByTestId('node-connection').textContent()).toContain('breaker open');
    expect(await page.getByTestId('node-last-error').textContent()).toBe('connect ECONNREFUSED 10.0.0.9:7777');
    // How fresh that is: when the control plane received edge's status summary (GET status?host=edge's reportedAt).
    const reportedAt = ((await (await fetch(`${product.url}/api/v1/status?host=edge`, { headers: { authorization: `Bearer ${token}` } })).json()) as { reportedAt: string }).reportedAt;
    const fresh = page.getByTestId('node-status-reported');
    expect(await fresh.getAttribute('data-reported-at')).toBe(reportedAt);
    expect(await fresh.textContent()).toMatch(/^Status as its agent reported it \d+[smhd] ago$/);
    // The alert about edge's node only, not this machine's of the same name.
    await expect.poll(() => page.locator('[data-testid="node-alerts"] [data-testid="alert-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-alert-id'))), { timeout: 10_000 }).toEqual(['alert-edge-node']);
    // edge's plans that moved this node's shares (the control plane's), in place of this machine's reallocations.
    await page.getByTestId('node-effects').waitFor();
    await expect
      .poll(() => [...asked].sort(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['alerts', 'metrics', 'metrics/history', 'payouts', 'reallocation/history', 'reports', 'status']));

    // edge's first node: its payout, as edge's agent reported it.
    await page.getByTestId('node-back').click();
    await expect.poll(() => page.url()).toContain('#/?host=edge');
    await expect.poll(() => picker.inputValue(), { timeout: 10_000 }).toBe('edge');
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 10_000 }).toBe(2);
    await page.locator(`[data-testid="protocol-row"][data-protocol="${first!.protocol}"] [data-testid="node-link"]`).click();
    const payout = page.locator('[data-testid="payouts"] [data-testid="payout-row"]');
    await expect.poll(() => payout.count(), { timeout: 10_000 }).toBe(1);
    expect(await payout.getAttribute('data-tokens')).toBe('7.5');
    expect(await payout.getByTestId('payout-usd').textContent()).toBe('$1.25');
    await page.getByTestId('node-back').click();
    await expect.poll(() => picker.inputValue(), { timeout: 10_000 }).toBe('edge');

    // Back to this machine: its own nodes again.
    await picker.selectOption('');
    expect(page.url()).not.toContain('host=');
    await expect.poll(() => page.getByTestId('protocol-row').count(), { timeout: 10_000 }).toBe(local.protocols.length);
    expect(await page.getByTestId('total-earnings').textContent()).not.toBe('Total $0.4242 per hour');
    await expect.poll(() => page.getByTestId('host-plans').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('dry-run-button').isVisible()).toBe(true);
    expect(await page.getByTestId('node-link').count()).toBe(local.protocols.length);

    // On a 390 px phone the picker wraps with the range buttons instead of pushing the page sideways.
    await page.setViewportSize({ width: 390, height: 900 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
    expect(await picker.isVisible()).toBe(true);
    await page.close();
  });
});
