/**
 * `POST reallocate?host=alpha` with real processes: a control plane (`orcha serve`, PostgreSQL) and alpha's agent
 * (`orcha agent --demo`) in advisory mode, whose own loop never applies. The operator's request reaches the agent with
 * its next plan exchange; a dry run applies nothing, a real one is applied there through its gates and journal; the
 * operation completes with the agent's outcome, which GET hosts/alpha/plans shows with the request.
 */
import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { CLI, freePort, startCli, stopProcess, waitFor } from '../helpers/cli-processes.js';
import { createPostgresTestStore, rawQuery } from '../helpers/stores.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

const PASSWORD = 'fleet-reallocate-test-password';

describe('fleet: an operator reallocates a fleet host', () => {
  let dir: string;
  let store: Store & { url: string };
  let url: string;
  let token = '';
  let hostId = '';
  let agentKey = '';
  const children: ChildProcess[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as J };
  };
  const finished = async (id: string) => {
    let op: J = null;
    await waitFor(`operation ${id} to finish`, async () => {
      op = (await api('GET', `operations/${id}`)).json;
      return ['completed', 'failed', 'timeout'].includes(op.status);
    }, 120_000);
    return op;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-fleet-realloc-'));
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
        'simulators: { enabled: false }',
        'intervals: { poll: 2, decide: 2 }',
        'log: { level: warn }',
      ].join('\n'),
    );
    const added = spawnSync(process.execPath, [CLI, 'host', 'add', 'alpha', '--json', '-c', cpConfig], { encoding: 'utf8' });
    expect(added.status, added.stderr).toBe(0);
    const { key } = JSON.parse(added.stdout) as { key: string };
    agentKey = key;
    hostId = (await store.fleet.findHostByName('alpha'))!.id;
    const agentConfig = join(dir, 'alpha.yaml');
    writeFileSync(
      agentConfig,
      [`dataDir: ${JSON.stringify(join(dir, 'alpha'))}`, 'intervals: { poll: 1, decide: 3 }', 'reallocation: { mode: advisory }', 'log: { level: warn }'].join('\n'),
    );
    children.push(startCli(['serve', '-c', cpConfig], { ORCHA_ADMIN_PASSWORD: PASSWORD }));
    await waitFor('the control plane', async () => (await fetch(`${url}/api/v1/health`)).status < 500, 120_000);
    const agent = startCli(['agent', '--demo', '--server', url, '--flush-interval', '1', '-c', agentConfig], { ORCHA_AGENT_KEY: key });
    children.push(agent);
    await waitFor('the agent to start', async () => agent.output().includes('orcha agent reporting'), 180_000);
    // Its own loop only advises: a plan of the control plane that passes its gates is reported `advisory`.
    await waitFor('an advisory outcome from alpha', async () => {
      const rows = await rawQuery(store, `select outcome_status from host_plans where host_id = '${hostId}' and outcome_status = 'advisory'`);
      return rows.length > 0;
    }, 240_000);
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

  it('an unknown host is a 404 naming it', async () => {
    const res = await api('POST', 'reallocate?host=nosuchhost', { dryRun: true });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.json)).toContain('nosuchhost');
  });

  it('a dry run reaches the agent and applies nothing; a real request is applied in advisory mode; plans show both', { timeout: 300_000 }, async () => {
    const dry = await api('POST', 'reallocate?host=alpha', { dryRun: true });
    expect(dry.status).toBe(202);
    const dryOp = await finished(dry.json.operationId);
    expect(dryOp.status, JSON.stringify(dryOp)).toBe('completed');
    expect(dryOp.result).toMatchObject({ host: 'alpha', dryRun: true, status: 'planned' });
    expect(dryOp.result.reason).toMatch(/^dry_run/);

    const real = await api('POST', 'reallocate?host=alpha', {});
    expect(real.status).toBe(202);
    const op = await finished(real.json.operationId);
    expect(op.status, JSON.stringify(op)).toBe('completed');
    expect(op.result).toMatchObject({ host: 'alpha', dryRun: false, status: 'applied' });
    expect(op.result.reallocationId).toEqual(expect.any(String));

    const plans = (await api('GET', 'hosts/alpha/plans?limit=100')).json.plans as J[];
    const realPlan = plans.find((p) => p.id === op.result.planId);
    expect(realPlan).toMatchObject({ status: 'applied', request: { operationId: op.id, dryRun: false, requestedBy: expect.any(String) } });
    const dryPlan = plans.find((p) => p.id === dryOp.result.planId);
    expect(dryPlan).toMatchObject({ status: 'planned', outcome: { status: 'planned' }, request: { operationId: dryOp.id, dryRun: true } });
    // Audit-logged like the local request, with the host as its target.
    const audited = await rawQuery(store, `select actor, action, result from audit_log where target = 'host:alpha' and action = 'POST /api/v1/reallocate'`);
    expect(audited.length).toBeGreaterThanOrEqual(2);
    expect(audited[0]).toMatchObject({ actor: 'admin' });
    // The control plane's own plans carry no request, and none of them was applied (the agent stays advisory).
    expect(plans.filter((p) => p.request === null).every((p) => p.status !== 'applied')).toBe(true);
  });

  it('an agent older than requests is never sent one as its plan: a request travels beside the regular plan', { timeout: 60_000 }, async () => {
    const [row] = await rawQuery(store, `select planning_json from hosts where id = '${hostId}'`);
    const asked = await api('POST', 'reallocate?host=alpha', { dryRun: true });
    expect(asked.status).toBe(202);
    let requestId = '';
    await waitFor('the request plan', async () => {
      const rows = await rawQuery(store, `select id from host_plans where host_id = '${hostId}' and request_json like '%${asked.json.operationId}%'`);
      requestId = String(rows[0]?.id ?? '');
      return requestId !== '';
    }, 30_000);
    const res = await fetch(`${url}/api/v1/agent/plan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ planning: JSON.parse(String(row!.planning_json)) }),
    });
    const body = (await res.json()) as J;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.plan?.id).not.toBe(requestId);
    expect(body.plan?.dryRun).toBeUndefined();
    await finished(asked.json.operationId);
  });

  it('orcha reallocate --host alpha --dry-run waits for the agent and prints its outcome (hold_not_passed right after an apply)', { timeout: 180_000 }, async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [CLI, 'reallocate', '--host', 'alpha', '--dry-run'],
        { env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ORCHA_URL: url, ORCHA_TOKEN: token }, timeout: 150_000 },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    // Right after the applied request its hold time has not passed: the dry run says so (a gate, nothing applied).
    expect(out.stdout).toMatch(/host alpha, plan \S+: (planned \(dry-run\): dry_run|skipped \(dry-run\): hold_not_passed)/);
  });
});
