/**
 * The built `orcha` binary as a subprocess against the whole product (the same harness as the dashboard test):
 * readable output, --json that parses, and the exit codes scripts rely on.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { type ProductHarness, startProduct } from './dashboard.harness.js';

// The binary `npm run build` makes (package.json "bin"). ORCHA_CLI_ENTRY points elsewhere only when debugging.
const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the server runs in this process and must keep answering while the CLI waits. */
function orcha(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

// Each run starts a Node process (about a second on a busy machine); allow for several per test.
describe('orcha CLI against a running server', { timeout: 120_000 }, () => {
  let product: ProductHarness;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    product = await startProduct();
    const key = await product.auth.createApiKey({ name: 'cli-e2e', role: 'admin' });
    env = { ORCHA_URL: product.url, ORCHA_TOKEN: key.key };
    dir = mkdtempSync(join(tmpdir(), 'orcha-cli-'));
  });

  afterAll(async () => {
    await product?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('status --host: another host of the fleet, its daemon as its agent reported it; a name nobody knows fails', async () => {
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${env.ORCHA_TOKEN}` };
    const created = await fetch(`${product.url}/api/v1/hosts`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'edge-cli' }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const local = (await product.server.store.metrics.latest())!;
    // Its second node's own CPU and memory are not measured (no container): null, not 0.
    const [p0, p1] = local.protocols;
    const snapshot = { ...local, time: local.time - 60_000, totalUsdPerHour: 0.4242, protocols: [p0!, { ...p1!, cpuPercent: null, memoryBytes: null, resourcesMeasured: false }] };
    const send = (batchId: string, extra: Record<string, unknown>) =>
      fetch(`${product.url}/api/v1/agent/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ batchId, agentVersion: AGENT_VERSION, snapshots: [snapshot], ...extra }),
      });
    // An agent before 0.3.0: no status summary, so status?host is a 404 that says where its snapshot is.
    expect((await send('cli-host-batch-01', {})).status).toBe(200);
    const none = await fetch(`${product.url}/api/v1/status?host=edge-cli`, { headers: auth });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain('GET metrics?host=edge-cli');
    const older = await orcha(['status', '--host', 'edge-cli'], env);
    expect(older.code, older.stderr).toBe(0);
    expect(older.stdout).toContain('its agent reports no status');
    expect(older.stdout).toContain('host edge-cli: earning 0.4242 USD/h');

    const [storj, other] = snapshot.protocols;
    const adapter = (protocol: string, type: string, broken: boolean) => ({
      protocol,
      type,
      connected: !broken,
      breaker: broken ? 'open' : 'closed',
      lastError: broken ? 'connect ECONNREFUSED 10.0.0.7:14002' : null,
      latencyMs: 8,
      lastSuccessAt: broken ? null : snapshot.time - 600_000,
      consecutiveFailures: broken ? 7 : 0,
    });
    const status = {
      version: AGENT_VERSION,
      startedAt: snapshot.time - 7_200_000,
      uptimeSeconds: 7200,
      mode: 'auto',
      strategy: 'control-plane',
      lastPlanAt: null,
      loops: [
        { name: 'analyze', running: true, ticks: 240, lastTickAt: snapshot.time, lastError: null },
        { name: 'decide', running: true, ticks: 120, lastTickAt: snapshot.time, lastError: 'database is locked' },
      ],
      coordinator: { running: true, lastPollAt: snapshot.time, polls: 1440, adapters: [adapter(storj.protocol, storj.type, false), adapter(other.protocol, other.type, true)] },
      queue: { pending: 0, processing: 0, capacity: 100, byPriority: { critical: 0, high: 0, normal: 0, low: 0 } },
    };
    const before = Date.now();
    expect((await send('cli-host-batch-02', { status, spool: { pending: 3, oldestAt: snapshot.time } })).status).toBe(200);
    // A summary out of bounds is refused with the field that is wrong.
    const refused = await send('cli-host-batch-03', { status: { ...status, coordinator: { ...status.coordinator, polls: -1 } } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('body.status.coordinator.polls');

    const answer = await fetch(`${product.url}/api/v1/status?host=edge-cli`, { headers: auth });
    expect(answer.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked field by field
    const remote = (await answer.json()) as Record<string, any>;
    expect(remote).toMatchObject({ host: 'edge-cli', version: AGENT_VERSION, mode: 'auto', websocketClients: 0, spool: { pending: 3 } });
    expect(Date.parse(remote.reportedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(remote.startedAt).toBe(new Date(status.startedAt).toISOString());
    expect(remote.loops[1]).toEqual({ name: 'decide', running: true, ticks: 120, lastTickAt: new Date(snapshot.time).toISOString(), lastError: 'database is locked' });
    // Nulls stay nulls (a JSON body is not coerced): never answered is not "answered in 1970", no error is not "".
    expect(remote.coordinator.adapters[1]).toMatchObject({ protocol: other.protocol, breaker: 'open', consecutiveFailures: 7, lastSuccessAt: null });
    expect(remote.coordinator.adapters[0]).toMatchObject({ lastError: null, lastSuccessAt: new Date(snapshot.time - 600_000).toISOString() });
    expect([remote.lastPlanAt, remote.loops[0].lastError]).toEqual([null, null]);
    const sample = (await (await fetch(`${product.url}/api/v1/metrics?host=edge-cli`, { headers: auth })).json()) as { protocols: { protocol: string; cpuPercent: unknown; memoryBytes: unknown }[] };
    expect(sample.protocols.find((p) => p.protocol === p1!.protocol)).toMatchObject({ cpuPercent: null, memoryBytes: null });
    // This machine's own status is unchanged by it.
    const own = (await (await fetch(`${product.url}/api/v1/status`, { headers: auth })).json()) as Record<string, unknown>;
    expect(own.host).toBeUndefined();
    expect(own.reportedAt).toBeUndefined();

    const json = await orcha(['status', '--host', 'edge-cli', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ host: 'edge-cli', reportedAt: remote.reportedAt, coordinator: { polls: 1440 } });
    expect(parsed.latest.totalUsdPerHour).toBe(0.4242);
    expect(parsed.latest.protocols.map((p: { protocol: string }) => p.protocol).sort()).toEqual(snapshot.protocols.map((p) => p.protocol).sort());
    const human = await orcha(['status', '--host', 'edge-cli'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`host edge-cli: orcha agent ${AGENT_VERSION}, mode auto, up 7200s, loops running`);
    expect(human.stdout).toContain('spool 3 waiting');
    expect(human.stdout).toMatch(/^loops: analyze 240 ticks, last \S+ \S+; decide 120 ticks, last \S+ \S+, FAILED: database is locked$/m);
    expect(human.stdout).toContain('host edge-cli: earning 0.4242 USD/h');
    const row = human.stdout.split('\n').find((l) => l.includes(` ${other.protocol} `))!;
    expect(row).toMatch(/open.*7.*ECONNREFUSED 10\.0\.0\.7:14002/);

    const unknown = await orcha(['status', '--host', 'nowhere'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nowhere');
    const bad = await orcha(['status', '--host', 'not a host!'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--host');
  });

  it('status: a table of the nodes, and JSON that parses', async () => {
    const human = await orcha(['status'], env);
    expect(human.code, human.stderr).toBe(0);
    for (const p of product.server.sims.protocols) expect(human.stdout).toContain(p.name);
    expect(human.stdout).toContain('connected');

    const json = await orcha(['status', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout);
    expect(status.coordinator.adapters).toHaveLength(product.server.sims.protocols.length);
    // Its loops (this test harness drives polls and decisions itself: they are built but not started).
    expect(status.loops.map((l: { name: string; running: boolean }) => [l.name, l.running])).toEqual([
      ['analyze', false],
      ['decide', false],
      ['retention', false],
    ]);
    expect(status.latest.protocols.length).toBeGreaterThan(0);
  });

  it('allocation: current next to optimal', async () => {
    const human = await orcha(['allocation'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('current -> optimal');
    const view = JSON.parse((await orcha(['allocation', '--json'], env)).stdout);
    expect(Object.keys(view.current).sort()).toEqual(product.server.sims.protocols.map((p) => p.name).sort());
  });

  it('alerts and alerts ack: lists an open alert, acknowledges it', async () => {
    const alert = await product.raiseAlert('cli e2e alert');
    const listed = await orcha(['alerts', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((a: { id: string }) => a.id)).toContain(alert.id);

    const ack = await orcha(['alerts', 'ack', alert.id], env);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain(`${alert.id}: acknowledged`);
    expect((await product.server.store.alerts.get(alert.id))?.status).toBe('acknowledged');

    const again = JSON.parse((await orcha(['alerts', 'ack', alert.id, '--json'], env)).stdout);
    expect(again.acknowledged).toEqual([]);
  });

  it('reallocate --dry-run waits for the operation and reports a dry-run outcome', async () => {
    const run = await orcha(['reallocate', '--dry-run', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const op = JSON.parse(run.stdout);
    expect(op.kind).toBe('reallocate');
    expect(op.status).toBe('completed');
    expect(op.result.dryRun).toBe(true);
    const history = await product.server.store.reallocations.list({ limit: 10 });
    expect(history.map((r) => r.id)).toContain(op.result.id);

    const human = await orcha(['reallocate', '--dry-run'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/operation .+: completed/);
    expect(human.stdout).toContain('(dry-run)');
  });

  it('export --format csv streams history to a file and to stdout', async () => {
    // The simulation's clock starts at 2026-01-01; ask for that day.
    const range = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'];
    const file = join(dir, 'history.csv');
    const toFile = await orcha(['export', '--format', 'csv', ...range, '--output', file], env);
    expect(toFile.code, toFile.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('protocol');
    expect(lines.length).toBeGreaterThan(product.server.sims.protocols.length);

    const toStdout = await orcha(['export', '--format', 'csv', ...range, '--protocol', 'storj'], env);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    const rows = toStdout.stdout.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toContain('storj');
  });

  it('exits 2 with a usage message on a wrong argument', async () => {
    const cases = [['export', '--format', 'xml'], ['reallocate', '--priority', 'urgent'], ['report', '--from', 'yesterday'], ['alerts', 'ack'], ['no-such-command']];
    const runs = await Promise.all(cases.map((args) => orcha(args, env)));
    for (const [i, run] of runs.entries()) {
      const args = cases[i]!;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/error: .+/);
      expect(run.stderr, args.join(' ')).toContain('--help');
    }
  });

  it('exits 4 without valid credentials and 3 when the server is unreachable', async () => {
    const noAuth = await orcha(['status'], { ORCHA_URL: product.url });
    expect(noAuth.code).toBe(4);
    const badKey = await orcha(['status', '--json'], { ORCHA_URL: product.url, ORCHA_TOKEN: 'orcha_bad_key' });
    expect(badKey.code).toBe(4);
    expect(JSON.parse(badKey.stderr).error.exitCode).toBe(4);
    const down = await orcha(['status'], { ORCHA_URL: 'http://127.0.0.1:9', ...{ ORCHA_TOKEN: 'x' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('unreachable');
  });

  it('has --help on every client command', async () => {
    const cases = [['status'], ['allocation'], ['reallocate'], ['alerts'], ['alerts', 'ack'], ['report'], ['export'], ['user', 'add'], ['user', 'passwd'], ['apikey', 'create'], ['apikey', 'list'], ['apikey', 'revoke']];
    const runs = await Promise.all(cases.map((cmd) => orcha([...cmd, '--help'])));
    for (const [i, run] of runs.entries()) {
      const cmd = cases[i]!;
      expect(run.code, cmd.join(' ')).toBe(0);
      expect(run.stdout, cmd.join(' ')).toContain('Usage: orcha');
    }
  });
});
