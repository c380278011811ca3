/**
 * The fleet with real processes: a control plane (`orcha serve` on PostgreSQL) and two agents (`orcha agent --demo`).
 * The control plane is stopped for a while and restarted, one agent is killed (SIGKILL) mid-run and restarted; at the
 * end every snapshot each agent produced is stored exactly once, per host, and so is every energy point it stored.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { openSpool } from '../../src/fleet/spool.js';
import type { Store } from '../../src/store/types.js';
import { CLI, freePort, sleep, startCli, stopProcess, waitFor } from '../helpers/cli-processes.js';
import { createPostgresTestStore, rawQuery } from '../helpers/stores.js';

const PASSWORD = 'fleet-test-password';

/** Every plan of a host with its reported outcome, by plan id. */
async function rawPlans(store: Store, hostId: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await rawQuery(store, `select id, outcome_status, reallocation_id from host_plans where host_id = '${hostId}'`);
  return new Map(rows.map((r) => [String(r.id), { status: r.outcome_status, reallocationId: r.reallocation_id }]));
}
const start = startCli;
const stop = stopProcess;

describe('fleet: agents and a control plane as processes', () => {
  let dir: string;
  let store: Store & { url: string };
  let url: string;
  let cpConfig: string;
  let controlPlane: ChildProcess;
  const agents = new Map<string, { key: string; dataDir: string; config: string; child?: ChildProcess }>();

  const startControlPlane = () => {
    controlPlane = start(['serve', '-c', cpConfig], { ORCHA_ADMIN_PASSWORD: PASSWORD });
    return waitFor('the control plane', async () => (await fetch(`${url}/api/v1/health`)).status < 500);
  };
  /** Resolves once the agent says it runs (its nodes polled, its spool open). */
  const startAgent = async (name: string) => {
    const a = agents.get(name)!;
    const child = start(['agent', '--demo', '--server', url, '--flush-interval', '1', '-c', a.config], { ORCHA_AGENT_KEY: a.key });
    a.child = child;
    await waitFor(`agent ${name} to start`, async () => child.output().includes('orcha agent reporting'), 180_000);
  };

  /** Decisions on control-plane plans in an agent's own journal (its SQLite file, read beside the running agent). */
  const controlPlaneDecisions = (name: string): { id: string }[] => {
    const db = new BetterSqlite3(join(agents.get(name)!.dataDir, 'orcha.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare("select id from reallocations where strategy like 'control-plane:%'").all() as { id: string }[];
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-fleet-'));
    store = await createPostgresTestStore();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    cpConfig = join(dir, 'control-plane.yaml');
    writeFileSync(
      cpConfig,
      [
        `dataDir: ${JSON.stringify(join(dir, 'cp'))}`,
        `server: { host: 127.0.0.1, port: ${port} }`,
        `storage: { url: ${JSON.stringify(store.url)} }`,
        'simulators: { enabled: false }',
        // Decisions per host every second (the agents decide every 5 s).
        'intervals: { decide: 1 }',
        'log: { level: warn }',
      ].join('\n'),
    );
    for (const name of ['alpha', 'beta']) {
      const added = spawnSync(process.execPath, [CLI, 'host', 'add', name, '--json', '-c', cpConfig], { encoding: 'utf8' });
      expect(added.status, added.stderr).toBe(0);
      const { key } = JSON.parse(added.stdout) as { key: string };
      const dataDir = join(dir, name);
      const config = join(dir, `${name}.yaml`);
      writeFileSync(
        config,
        // Their demo reads the simulated plug: an energy point every 5 s travels with the snapshots.
        [`dataDir: ${JSON.stringify(dataDir)}`, 'intervals: { poll: 1, decide: 5 }', 'energy: { recordInterval: 5 }', 'reallocation: { mode: auto }', 'log: { level: warn }'].join('\n'),
      );
      agents.set(name, { key, dataDir, config });
    }
  }, 120_000);

  afterAll(async () => {
    for (const a of agents.values()) if (a.child) await stop(a.child, 'SIGKILL');
    if (controlPlane) await stop(controlPlane, 'SIGKILL');
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every snapshot each agent produced exactly once, through an outage, a kill and restarts', async () => {
    await startControlPlane();
    await Promise.all([startAgent('alpha'), startAgent('beta')]);
    const hostId = async (name: string) => (await store.fleet.findHostByName(name))!.id;
    const stored = async (name: string) => (await store.fleet.totals(await hostId(name))).snapshots;
    await waitFor('both agents to deliver', async () => (await stored('alpha')) > 2 && (await stored('beta')) > 2);

    // The control plane plans for both hosts; their agents take the plans.
    const planned = async (name: string) => (await store.hostPlans.latest(await hostId(name))) !== null;
    await waitFor('plans for both hosts', async () => (await planned('alpha')) && (await planned('beta')));
    // Right after beta's engine decided on a plan, it fetches the next one (the control plane plans every second,
    // the agent exchanges every second) and decides again 5 s later: the control plane stops in between, while
    // beta holds a plan it has not used.
    const decided = controlPlaneDecisions('beta').length;
    await waitFor('beta to decide on a plan', async () => controlPlaneDecisions('beta').length > decided);
    await sleep(2500);

    // The control plane goes away: the agents spool.
    const outageFrom = Date.now();
    await stop(controlPlane);
    const during = { alpha: await stored('alpha'), beta: await stored('beta') };
    await sleep(5000);
    expect(await stored('alpha')).toBe(during.alpha);

    // One agent dies hard while the control plane is down, and comes back.
    await stop(agents.get('alpha')!.child!, 'SIGKILL');
    await startAgent('alpha');
    await sleep(2000);

    const outageTo = Date.now();
    await startControlPlane();
    await waitFor('the spooled snapshots to arrive', async () => (await stored('alpha')) > during.alpha + 3 && (await stored('beta')) > during.beta + 3);

    // Killed again mid-run (a batch may be in flight), restarted, then both stop cleanly (a last send at shutdown).
    await stop(agents.get('alpha')!.child!, 'SIGKILL');
    await startAgent('alpha');
    await sleep(2000);
    await stop(agents.get('alpha')!.child!);
    await stop(agents.get('beta')!.child!);

    for (const name of ['alpha', 'beta']) {
      const spool = openSpool(join(agents.get(name)!.dataDir, 'agent-spool.db'));
      const counts = spool.counts();
      spool.close();
      expect(counts.rejected).toBe(0);
      expect(counts.pending, `${name}: everything was delivered at shutdown`).toBe(0);
      expect(counts.produced).toBeGreaterThan(10);
      expect(await stored(name), `${name}: stored == produced`).toBe(counts.produced);
      // Energy points too: every one the agent's accounting stored reached the control plane once (the spool is
      // written first, so alpha's two SIGKILLs may each have sent one point its own store never got).
      const db = new BetterSqlite3(join(agents.get(name)!.dataDir, 'orcha.db'), { readonly: true, fileMustExist: true });
      const local = (db.prepare('select time from energy_points').all() as { time: number }[]).map((r) => Number(r.time));
      const snapshots = (db.prepare('select time from metrics').all() as { time: number }[]).map((r) => Number(r.time));
      db.close();
      const sent = new Set((await rawQuery(store, `select time from host_snapshots where host_id = '${await hostId(name)}'`)).map((r) => Number(r.time)));
      expect(snapshots.filter((t) => !sent.has(t)), `${name}: snapshots stored by the agent, missing on the control plane`).toEqual([]);
      const rows = await rawQuery(store, `select time, count(*) as n from host_energy_points where host_id = '${await hostId(name)}' group by time`);
      const remote = new Map(rows.map((r) => [Number(r.time), Number(r.n)]));
      expect(local.length, `${name}: energy points stored by the agent`).toBeGreaterThan(0);
      expect(local.filter((t) => remote.get(t) !== 1), `${name}: stored by the agent, not once on the control plane`).toEqual([]);
      expect(remote.size, `${name}: energy points on the control plane`).toBeLessThanOrEqual(name === 'alpha' ? local.length + 2 : local.length);
    }

    // Decisions per host: beta's engine ran a plan of the control plane through its gates during the outage (its
    // journal has it) and reported the outcome once the control plane was back.
    const { createStore } = await import('../../src/store/index.js');
    const local = await createStore({ sqlitePath: join(agents.get('beta')!.dataDir, 'orcha.db') });
    try {
      const journal = (await local.reallocations.list({ limit: 1000 })).filter((r) => r.strategy.startsWith('control-plane:'));
      const duringOutage = journal.filter((r) => (r.finishedAt ?? 0) >= outageFrom && (r.finishedAt ?? 0) <= outageTo);
      expect(duringOutage.length, 'a control-plane plan finished by beta while the control plane was down').toBeGreaterThan(0);
      const reported = await rawPlans(store, await hostId('beta'));
      const r = duringOutage[0];
      expect(reported.get(r.strategy.slice('control-plane:'.length)), 'reported after the outage').toMatchObject({ status: r.status, reallocationId: r.id });
    } finally {
      await local.close();
    }

    // The fleet view tells the truth about both hosts.
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const res = await fetch(`${url}/api/v1/hosts`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    const { hosts } = (await res.json()) as {
      hosts: { name: string; health: string; agentVersion: string; protocols: number; spool: { pending: number } | null }[];
    };
    // Each agent reports its spool with every batch (the control plane alerts when it keeps growing).
    for (const h of hosts) expect(h.spool?.pending, h.name).toEqual(expect.any(Number));
    expect(hosts.map((h) => [h.name, h.health, h.agentVersion, h.protocols])).toEqual([
      ['alpha', 'ok', AGENT_VERSION, 6],
      ['beta', 'ok', AGENT_VERSION, 6],
    ]);
    // A host's latest snapshot as its agent sent it; a user token does not open the agents' route with it.
    const latest = await fetch(`${url}/api/v1/hosts/beta/metrics`, { headers: { authorization: `Bearer ${accessToken}` } });
    const { snapshot } = (await latest.json()) as { snapshot: { protocols: unknown[] } };
    expect(snapshot.protocols).toHaveLength(6);
    const refused = await fetch(`${url}/api/v1/agent/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ batchId: 'abcdefgh-1', agentVersion: '0.1.0', snapshots: [snapshot] }),
    });
    expect(refused.status).toBe(401);
  }, 600_000);
});
