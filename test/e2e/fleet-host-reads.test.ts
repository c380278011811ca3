/**
 * Every read endpoint for one host, with real processes: a control plane (`orcha serve` on PostgreSQL, no nodes of
 * its own, so anything it answered from its own tables would be empty) and an agent (`orcha agent --demo`) that reports, takes the control plane's plans and reports
 * what it did. `?host=alpha` answers alpha's figures (its snapshots, the plans made for it, their outcomes, the alerts
 * about it), never the control plane's own; `GET hosts/alpha/plans` pages through the plans with who decided them;
 * `orcha reallocation history --host alpha` prints them; `status?host=alpha` answers alpha's daemon (breakers, loops,
 * spool) as its agent last reported it. An unknown host is a 404 naming it on every endpoint; energy answers from the
 * points alpha's agent sends (its demo reads the simulated plug).
 */
import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import type { Store } from '../../src/store/types.js';
import { CLI, freePort, startCli, stopProcess, waitFor } from '../helpers/cli-processes.js';
import { createPostgresTestStore, rawQuery } from '../helpers/stores.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

const PASSWORD = 'fleet-reads-test-password';

describe('fleet: the read endpoints for one host', () => {
  let dir: string;
  let store: Store & { url: string };
  let url: string;
  let token = '';
  let hostId = '';
  const children: ChildProcess[] = [];

  const api = async (path: string) => {
    const res = await fetch(`${url}/api/v1/${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    let json: J = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, json, text };
  };
  const plansOf = async () => rawQuery(store, `select id, created_at, outcome_status, outcome_reason from host_plans where host_id = '${hostId}' order by created_at desc`);
  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ORCHA_URL: url, ORCHA_TOKEN: token }, timeout: 60_000 },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-fleet-reads-'));
    store = await createPostgresTestStore();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const cpConfig = join(dir, 'control-plane.yaml');
    writeFileSync(
      cpConfig,
      [
        `dataDir: ${JSON.stringify(join(dir, 'cp'))}`,
        `server: { host: 127.0.0.1, port: ${port} }`,
        `storage: { url: ${JSON.stringify(store.url)} }`,
        'fleet: { localName: cp }',
        // No nodes of its own (the agent's demo simulators would give it the very same figures).
        'simulators: { enabled: false }',
        'intervals: { poll: 2, decide: 2 }',
        'log: { level: warn }',
      ].join('\n'),
    );
    const added = spawnSync(process.execPath, [CLI, 'host', 'add', 'alpha', '--json', '-c', cpConfig], { encoding: 'utf8' });
    expect(added.status, added.stderr).toBe(0);
    const { key } = JSON.parse(added.stdout) as { key: string };
    hostId = (await store.fleet.findHostByName('alpha'))!.id;
    const agentConfig = join(dir, 'alpha.yaml');
    writeFileSync(
      agentConfig,
      [
        `dataDir: ${JSON.stringify(join(dir, 'alpha'))}`,
        'intervals: { poll: 1, decide: 3 }',
        'reallocation: { mode: auto }',
        // alpha's own policy: the control plane plans with it and shows it under ?host=alpha.
        'policies: [{ name: alpha-quiet-hours, excludedHours: [3] }]',
        // An energy point every 5 s (its demo reads the simulated plug).
        'energy: { recordInterval: 5 }',
        'log: { level: warn }',
      ].join('\n'),
    );

    children.push(startCli(['serve', '-c', cpConfig], { ORCHA_ADMIN_PASSWORD: PASSWORD }));
    await waitFor('the control plane', async () => (await fetch(`${url}/api/v1/health`)).status < 500, 120_000);
    const agent = startCli(['agent', '--demo', '--server', url, '--flush-interval', '1', '-c', agentConfig], { ORCHA_AGENT_KEY: key });
    children.push(agent);
    await waitFor('the agent to start', async () => agent.output().includes('orcha agent reporting'), 180_000);
    // The control plane plans for alpha; alpha's agent takes a plan, decides on it and reports the outcome.
    await waitFor('a plan of alpha with an outcome', async () => (await plansOf()).some((p) => p.outcome_status !== null), 240_000);
    // Enough to page through, and earnings in alpha's samples (its first samples earn nothing yet).
    await waitFor('three plans of alpha', async () => (await plansOf()).length >= 3, 120_000);
    await waitFor("alpha's first earnings", async () => {
      const [r] = await rawQuery(store, `select sum(earned_usd) as usd from host_protocol_samples where host_id = '${hostId}'`);
      return Number(r?.usd ?? 0) > 0;
    }, 120_000);

    await waitFor("alpha's first energy point", async () => {
      const [r] = await rawQuery(store, `select count(*) as n from host_energy_points where host_id = '${hostId}'`);
      return Number(r?.n ?? 0) > 0;
    }, 120_000);

    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  }, 600_000);

  afterAll(async () => {
    for (const c of children.reverse()) await stopProcess(c, 'SIGKILL');
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("allocation, opportunities and reallocation history answer alpha's plans and outcomes, not the control plane's own", { timeout: 120_000 }, async () => {
    const before = await store.fleet.latest(hostId);
    const allocation = await api('allocation?host=alpha');
    const after = await store.fleet.latest(hostId);
    expect(allocation.status).toBe(200);
    const reported = (s: typeof before) => Object.fromEntries(s!.protocols.map((p) => [p.protocol, p.allocation]));
    expect([reported(before), reported(after)]).toContainEqual(allocation.json.current);
    // optimal is the target of a plan the control plane stored for alpha (the one made at plan.createdAt).
    const planRows = await rawQuery(store, `select plan_json from host_plans where host_id = '${hostId}'`);
    const stored = planRows.map((r) => JSON.parse(String(r.plan_json)));
    const made = stored.find((p) => new Date(p.createdAt).toISOString() === allocation.json.plan.createdAt);
    expect(made, 'the plan in the answer is one stored for alpha').toBeDefined();
    expect(allocation.json.optimal).toEqual(made.target);

    const opportunities = await api('opportunities?host=alpha');
    expect(opportunities.status).toBe(200);
    expect(opportunities.json.opportunities).toEqual(expect.any(Array));

    const plans = await plansOf();
    const history = await api('reallocation/history?host=alpha&limit=1000');
    expect(history.status).toBe(200);
    // An outcome may arrive while the request runs: a plan then answers `planned` or that outcome.
    const later = new Map((await plansOf()).map((p) => [String(p.id), p.outcome_status]));
    const ids = new Set(plans.map((p) => String(p.id)));
    const answered = history.json.reallocations as J[];
    expect(answered.length).toBeGreaterThanOrEqual(plans.length);
    const known = answered.filter((r) => ids.has(r.id));
    expect(known.map((r) => r.id)).toEqual(plans.map((p) => String(p.id)));
    for (const r of known) {
      const row = plans.find((p) => p.id === r.id)!;
      expect([row.outcome_status ?? 'planned', later.get(r.id) ?? 'planned']).toContain(r.status);
      expect(r.strategy).toMatch(/^control-plane:/);
      expect(r.steps).toEqual([]);
    }
    // Filtered by outcome: only plans the agent reported with that status.
    const outcome = String(plans.find((p) => p.outcome_status !== null)!.outcome_status);
    const filtered = await api(`reallocation/history?host=alpha&status=${outcome}`);
    expect(filtered.json.reallocations.length).toBeGreaterThan(0);
    expect(new Set(filtered.json.reallocations.map((r: J) => r.status))).toEqual(new Set([outcome]));

    // GET dashboard: the same pieces at once, for alpha.
    const dashboard = await api('dashboard?host=alpha');
    expect(dashboard.status).toBe(200);
    expect(dashboard.json.mode).toBe('auto'); // as alpha's agent runs it (its config: reallocation.mode auto)
    expect(Object.keys(dashboard.json.allocation.current).sort()).toEqual(Object.keys(allocation.json.current).sort());
    expect(dashboard.json.reallocations.length).toBeGreaterThan(0);
    for (const r of dashboard.json.reallocations) expect(r.strategy).toMatch(/^control-plane:/);

    // This machine's own history is its engine's journal: none of alpha's plans in it, the same with its own name.
    const local = await api('reallocation/history?limit=1000');
    expect(local.json.reallocations.filter((r: J) => ids.has(r.id))).toEqual([]);
    expect((await api('reallocation/history?host=cp&limit=1000')).json.reallocations.map((r: J) => r.id)).toEqual(local.json.reallocations.map((r: J) => r.id));
  });

  it('GET hosts/alpha/plans pages through the plans with projected gain, outcome and who decided', { timeout: 60_000 }, async () => {
    const first = await api('hosts/alpha/plans?limit=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ host: 'alpha', limit: 2, offset: 0 });
    expect(first.json.total).toBeGreaterThanOrEqual(2);
    expect(first.json.plans).toHaveLength(2);
    const [a, b] = first.json.plans;
    expect(Date.parse(a.createdAt)).toBeGreaterThanOrEqual(Date.parse(b.createdAt));
    expect(a.projectedGainUsdPerHour).toBe(a.plan.improvementUsdPerHour);
    const lease = (await api('hosts')).json.hosts.find((h: J) => h.name === 'alpha').decidedBy;
    expect(a.decidedBy).toMatchObject({ strategy: a.plan.strategy, fence: lease.fence, replica: lease.replica });
    const second = await api(`hosts/alpha/plans?limit=2&offset=2`);
    expect(second.json.plans.map((p: J) => p.id)).not.toContain(a.id);

    const reported = (await plansOf()).find((p) => p.outcome_status !== null)!;
    const withOutcome = await api(`hosts/alpha/plans?status=${reported.outcome_status}&limit=100`);
    const plan = withOutcome.json.plans.find((p: J) => p.id === reported.id);
    expect(plan).toMatchObject({ status: reported.outcome_status, outcome: { status: reported.outcome_status, reason: reported.outcome_reason } });
    expect(plan.outcome.reportedAt).toEqual(expect.any(String));
    expect((await api('hosts/alpha/plans?limit=101')).status).toBe(400);
  });

  it("reports, payouts and exports answer from alpha's samples; the alerts are those about alpha", { timeout: 60_000 }, async () => {
    const now = Date.now();
    const from = new Date(now - 10 * 60_000).toISOString();
    const to = new Date(now - 5_000).toISOString();
    const range = `from=${from}&to=${to}`;
    const where = `host_id = '${hostId}' and time >= ${Date.parse(from)} and time <= ${Date.parse(to)}`;
    const [sums] = await rawQuery(store, `select sum(earned_usd) as usd, count(*) as n, count(distinct protocol) as protocols from host_protocol_samples where ${where}`);

    const report = await api(`reports?host=alpha&${range}`);
    expect(report.status).toBe(200);
    expect(report.json.totalUsd).toBeGreaterThan(0);
    expect(report.json.totalUsd).toBeCloseTo(Number(sums!.usd), 9);
    expect(report.json.protocols).toHaveLength(Number(sums!.protocols));
    expect(report.json.reallocations.measuredGainUsdPerHour).toBeNull();
    expect((await api(`reports?${range}`)).json.totalUsd).toBe(0);
    // Periods past the 7 days this machine answers at once become an operation, as this machine's do, over any period.
    const yearFrom = new Date(now - 365 * 86_400_000).toISOString();
    const year = await api(`reports?host=alpha&from=${yearFrom}&to=${to}`);
    expect(year.status).toBe(202);
    const done = await api(`operations/${year.json.operationId}/result?timeout=30`);
    expect(done.json).toMatchObject({ status: 'completed', kind: 'report', params: { host: 'alpha' } });
    expect(done.json.result.totalUsd).toBeGreaterThanOrEqual(report.json.totalUsd);
    expect((await api(`reports?host=alpha&async=true&${range}`)).status).toBe(202);
    const cliYear = await cli(['report', '--host', 'alpha', '--from', yearFrom, '--json']);
    expect(cliYear.code, cliYear.stderr).toBe(0);
    expect(JSON.parse(cliYear.stdout).totalUsd).toBeGreaterThanOrEqual(report.json.totalUsd);

    const csv = await api(`export?host=alpha&format=csv&${range}`);
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split('\n')).toHaveLength(Number(sums!.n) + 1);
    const json = await api(`export?host=alpha&${range}`);
    expect(json.json).toHaveLength(Number(sums!.n));
    expect((await api(`export?host=alpha&async=true&${range}`)).status).toBe(400);

    const payouts = await api(`payouts?host=alpha&${range}`);
    expect(payouts.status).toBe(200);
    expect(payouts.json).toEqual({ payouts: expect.any(Array), held: expect.any(Array) });
    const [paid] = await rawQuery(store, `select count(*) as n from host_protocol_samples where ${where} and sample_json like '%"payout":%'`);
    expect(payouts.json.payouts).toHaveLength(Number(paid!.n));

    // An alert about alpha (as the fleet's alert loop keys them) is alpha's; the control plane's own name excludes it.
    const alertId = randomUUID();
    const t = Date.now();
    await store.alerts.insert({
      id: alertId,
      type: 'agent_spool_growing',
      severity: 'warning',
      status: 'open',
      dedupKey: 'agent_spool_growing:alpha',
      protocol: null,
      message: 'host alpha: 900 snapshots wait in its agent spool',
      details: { host: 'alpha', pending: 900 },
      createdAt: t,
      updatedAt: t,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    const alpha = await api('alerts?host=alpha');
    expect(alpha.status).toBe(200);
    expect(alpha.json.alerts.map((a: J) => a.id)).toEqual([alertId]);
    expect((await api('alerts?host=cp&limit=1000')).json.alerts.map((a: J) => a.id)).not.toContain(alertId);
    expect((await api('alerts?limit=1000')).json.alerts.map((a: J) => a.id)).toContain(alertId);
  });

  it('an unknown host is a 404 naming it on every host-scoped endpoint', async () => {
    for (const path of ['dashboard', 'allocation', 'opportunities', 'reallocation/history', 'alerts', 'reports', 'payouts', 'export']) {
      const res = await api(`${path}?host=nope`);
      expect(res.status, path).toBe(404);
      expect(res.json.error.message, path).toContain('"nope"');
    }
    expect((await api('hosts/nope/plans')).status).toBe(404);
  });

  it("policies answer alpha's as its agent reported them; status answers alpha's daemon as its agent last reported it", async () => {
    const policies = await api('policies?host=alpha');
    expect(policies.status).toBe(200);
    expect(policies.json.policies.map((p: J) => [p.name, p.excludedHours])).toEqual([['alpha-quiet-hours', [3]]]);
    expect((await api('policies/alpha-quiet-hours?host=alpha')).json).toMatchObject({ name: 'alpha-quiet-hours' });
    expect((await api('policies/alpha-quiet-hours')).status).toBe(404);
    expect((await api('policies')).json.policies.map((p: J) => p.name)).not.toContain('alpha-quiet-hours');
    const asked = Date.now();
    const status = await api('status?host=alpha');
    expect(status.status).toBe(200);
    // alpha's agent: its version, its mode (auto, its own config), the control plane's plans as its strategy, its six
    // demo nodes with their breakers, its loops running, its spool; reportedAt within the last few flushes (1 s).
    expect(status.json).toMatchObject({ host: 'alpha', version: AGENT_VERSION, mode: 'auto', strategy: 'control-plane', websocketClients: 0 });
    expect(status.json.coordinator.running).toBe(true);
    expect(status.json.coordinator.polls).toBeGreaterThan(0);
    expect(status.json.coordinator.adapters).toHaveLength(6);
    for (const a of status.json.coordinator.adapters) expect(a).toMatchObject({ breaker: 'closed', consecutiveFailures: 0, lastSuccessAt: expect.any(String) });
    expect(status.json.uptimeSeconds).toBeGreaterThan(0);
    // Its loops as they run on alpha: decide (every 3 s there) has ticked, each with when it last did.
    expect(status.json.loops.map((l: J) => l.name).sort()).toEqual(['analyze', 'decide', 'retention']);
    const decide = status.json.loops.find((l: J) => l.name === 'decide');
    expect(decide).toMatchObject({ running: true, lastError: null });
    expect(decide.ticks).toBeGreaterThan(0);
    expect(Date.parse(decide.lastTickAt)).toBeGreaterThan(Date.parse(status.json.startedAt));
    expect(status.json.spool).toMatchObject({ pending: expect.any(Number) });
    expect(asked - Date.parse(status.json.reportedAt)).toBeLessThan(30_000);
    const own = await api('status?host=cp');
    expect(own.status).toBe(200);
    expect(own.json.host).toBeUndefined();
    expect(own.json.coordinator.adapters).toEqual([]);
    for (const path of ['policies', 'status']) expect((await api(`${path}?host=nope`)).status, path).toBe(404);
  });

  it("energy answers alpha's figures as its agent sent them (its simulated plug), never the control plane's own", async () => {
    const now = await api('energy?host=alpha');
    expect(now.json.meters.map((m: J) => m.name)).toEqual(['sim-plug']);
    expect(now.json.hostWatts).toBeGreaterThan(0);
    expect((await api('energy')).status, 'the control plane itself accounts no energy').toBe(404);
    const history = await api('energy/history?host=alpha');
    expect(history.status).toBe(200);
    expect(history.json.points.length).toBeGreaterThan(0);
    const report = await api('energy/report?host=alpha');
    expect(report.status).toBe(200);
    expect(report.json.energyKwh).toBeGreaterThan(0);
    // GET reports?host=alpha carries the same energy section, as this machine's report does with energy on.
    const full = await api('reports?host=alpha');
    expect(full.json.energy.energyKwh).toBeGreaterThan(0);
    expect(full.json.energy.currency).toBe(report.json.currency);
    for (const path of ['energy', 'energy/history', 'energy/report']) expect((await api(`${path}?host=nope`)).status, path).toBe(404);
  });

  it('orcha reallocation history --host alpha prints the plans and their outcomes; report, export, alerts and allocation take --host', { timeout: 120_000 }, async () => {
    const human = await cli(['reallocation', 'history', '--host', 'alpha', '--limit', '2']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^host alpha: plans 1-2 of \d+, newest first/);
    expect(human.stdout).toContain('decided by');
    const json = await cli(['reallocation', 'history', '--host', 'alpha', '--limit', '2', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ host: 'alpha', limit: 2, offset: 0 });
    expect(parsed.plans).toHaveLength(2);
    const local = await cli(['reallocation', 'history', '--json', '--limit', '1000']);
    expect(local.code, local.stderr).toBe(0);
    const localIds = new Set(JSON.parse(local.stdout).map((r: J) => r.id));
    for (const p of parsed.plans) expect(localIds.has(p.id)).toBe(false);
    // report, export, alerts and allocation take --host too.
    const report = await cli(['report', '--host', 'alpha', '--from', '10m', '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).totalUsd).toBeGreaterThan(0);
    const exported = await cli(['export', '--host', 'alpha', '--from', '2m']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n')[0]).toMatch(/^time,protocol,usdPerHour,/);
    expect(exported.stdout.trim().split('\n').length).toBeGreaterThan(6);
    const alerts = await cli(['alerts', '--host', 'alpha', '--json']);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(JSON.parse(alerts.stdout).map((a: J) => a.dedupKey)).toEqual(['agent_spool_growing:alpha']);
    const status = await cli(['status', '--host', 'alpha']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`host alpha: orcha agent ${AGENT_VERSION}, mode auto`);
    expect(status.stdout).toContain('loops running');
    const allocation = await cli(['allocation', '--host', 'alpha', '--json']);
    expect(allocation.code, allocation.stderr).toBe(0);
    expect(Object.keys(JSON.parse(allocation.stdout).current)).toHaveLength(6);

    const missing = await cli(['reallocation', 'history', '--host', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('"nope"');
  });
});
