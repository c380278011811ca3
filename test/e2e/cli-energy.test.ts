/**
 * `orcha energy` and `orcha energy report` (the built binary) against a running server: its simulators and their
 * simulated smart plug for this machine, and a fleet host whose agent sent energy points through the ingest route.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { waitFor } from '../helpers/cli-processes.js';
import { energyPoint } from '../helpers/energy-points.js';

const ENTRY = resolve(process.env.ORCHA_CLI_ENTRY ?? 'dist/src/cli/index.js');

function orcha(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('orcha energy', { timeout: 120_000 }, () => {
  let dir: string;
  let server: RunningOrcha;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'orcha-cli-energy-'));
    const config = loadConfigText('', { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1' });
    server = await startOrcha({ loaded: { config, path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: 'cli-energy-password' } });
    const { key } = await server.security!.auth.createApiKey({ name: 'cli-energy', role: 'admin' });
    env = { ORCHA_URL: server.url, ORCHA_TOKEN: key };

    // A fleet host whose agent sent a snapshot and two energy points (100 W, then 120 W, all of it storj's).
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const created = await fetch(`${server.url}/api/v1/hosts`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'edge' }) });
    expect(created.status).toBe(201);
    const agentKey = ((await created.json()) as { key: string }).key;
    await waitFor('a snapshot', async () => (await server.store.metrics.latest()) !== null);
    const local = (await server.store.metrics.latest())!;
    const now = Date.now();
    const sent = await fetch(`${server.url}/api/v1/agent/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentKey}` },
      body: JSON.stringify({
        batchId: 'cli-energy-batch-1',
        agentVersion: AGENT_VERSION,
        snapshots: [{ ...local, time: now - 60_000, protocols: local.protocols.map((p) => ({ ...p, time: now - 60_000 })) }],
        energy: [energyPoint(now - 120_000), energyPoint(now - 60_000, 120)],
      }),
    });
    expect(sent.status, await sent.clone().text()).toBe(200);
    // This machine's plug answered, so its figures are measured.
    await waitFor('the simulated plug', async () => {
      const res = await fetch(`${server.url}/api/v1/energy`, { headers: auth });
      return res.status === 200 && ((await res.json()) as { meters: { status: string }[] }).meters[0]?.status === 'ok';
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows this machine's power now: the plug, the tariff, and gross, power cost and net per protocol", async () => {
    const json = await orcha(['energy', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const view = JSON.parse(json.stdout);
    expect(view.meters[0]).toMatchObject({ name: 'sim-plug', status: 'ok' });
    expect(view.protocols).toHaveLength(6);
    expect(view.hostWatts).toBeGreaterThan(0);

    const human = await orcha(['energy'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^power [\d.]+ W at .+, measured$/m);
    expect(human.stdout).toMatch(/tariff: rate \S+, [\d.]+ [A-Z]{3,5}\/kWh/);
    expect(human.stdout).toMatch(/gross - [\d.]+ USD\/h power = -?[\d.]+ USD\/h net/);
    expect(human.stdout).toContain('sim-plug');
    for (const p of view.protocols as { protocol: string }[]) expect(human.stdout).toContain(p.protocol);
  });

  it("shows a fleet host's figures as its agent last sent them, and its report for a period", async () => {
    const now = await orcha(['energy', '--host', 'edge', '--json'], env);
    expect(now.code, now.stderr).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({ hostWatts: 120, protocols: [{ protocol: 'storj', watts: 120 }] });
    const human = await orcha(['energy', '--host', 'edge'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('host edge: power 120.0 W');

    const report = await orcha(['energy', 'report', '--host', 'edge', '--from', '1h', '--json'], env);
    expect(report.code, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout);
    // Two minutes at 100 and 120 W: (100 + 120) / 1000 / 60 kWh.
    expect(r.energyKwh).toBeCloseTo(220 / 60_000, 9);
    expect(r.protocols.map((p: { protocol: string }) => p.protocol)).toContain('storj');
    const table = await orcha(['energy', 'report', '--from', '1h', '--host', 'edge'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^host edge: energy .+ \.\. .+: 0\.004 kWh, gross/m);
    expect(table.stdout).toContain('storj');
  });

  it('refuses a bad argument (exit 2) and names an unknown host (exit 1, the server says 404)', async () => {
    for (const args of [['energy', '--host', 'not a host'], ['energy', 'report', '--from', 'yesterday']]) {
      const run = await orcha(args, env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/error: .+/);
    }
    const unknown = await orcha(['energy', '--host', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody');
  });
});
