/**
 * An agent process killed (SIGKILL) in the one instant between its two writes of a snapshot (or an energy point):
 * the spool and the local store. The fault point (`ORCHA_FAULT_KILL_AFTER_SPOOL`, off by default) kills it there, once
 * for a snapshot and once for a point; after a normal restart and stop, every snapshot and point in its local store
 * reached the control plane exactly once, and so did the one of each kill that only the spool had.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSpool } from '../../src/fleet/spool.js';
import { type CliProcess, startCli, stopProcess, waitFor } from '../helpers/cli-processes.js';
import { ADMIN_PASSWORD, type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

let cp: TestOrcha;
let dir = '';
let key = '';
let hostId = '';
let agent: CliProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcha-kill-window-'));
  mkdirSync(join(dir, 'cp'));
  cp = await startTestOrcha({ security: true, startAt: Date.now(), dir: join(dir, 'cp') });
  const login = await fetch(`${cp.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const added = await fetch(`${cp.url}/api/v1/hosts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: 'edge' }),
  });
  expect(added.status).toBe(201);
  key = ((await added.json()) as { key: string }).key;
  hostId = (await cp.store.fleet.findHostByName('edge'))!.id;
}, 60_000);

afterAll(async () => {
  if (agent) await stopProcess(agent, 'SIGKILL');
  await cp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Rows of a SQLite file (the agent's or the control plane's), read beside its process. */
function rowsOf(file: string, text: string): Record<string, unknown>[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(text).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Times in the agent's own store. */
const localTimes = (table: 'metrics' | 'energy_points') => rowsOf(join(dir, 'data', 'orcha.db'), `select time from ${table}`).map((r) => Number(r.time));

/** Per time, how many rows the control plane holds for the host. */
async function remoteCounts(table: 'host_snapshots' | 'host_energy_points'): Promise<Map<number, number>> {
  const rows = rowsOf(join(dir, 'cp', 'orcha.db'), `select time, count(*) as n from ${table} where host_id = '${hostId}' group by time`);
  return new Map(rows.map((r) => [Number(r.time), Number(r.n)]));
}

function runAgent(fault?: string): CliProcess {
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, [`dataDir: ${JSON.stringify(join(dir, 'data'))}`, 'intervals: { poll: 1 }', 'energy: { recordInterval: 5 }', 'log: { level: warn }'].join('\n'));
  const env: Record<string, string> = { ORCHA_AGENT_KEY: key };
  if (fault) env.ORCHA_FAULT_KILL_AFTER_SPOOL = fault;
  agent = startCli(['agent', '--demo', '--server', cp.url, '--flush-interval', '1', '-c', config], env);
  return agent;
}

const exited = (child: CliProcess) => waitFor('the agent to die', async () => child.exitCode !== null || child.signalCode !== null, 120_000);

it('a kill between the spool and the local store loses nothing: every stored snapshot and point arrives once', async () => {
  // Killed right after spooling its 4th snapshot, before storing it.
  const first = runAgent('snapshot:4');
  await exited(first);
  expect(first.signalCode, first.errors()).toBe('SIGKILL');
  const spool = openSpool(join(dir, 'data', 'agent-spool.db'));
  const produced = spool.counts().produced;
  spool.close();
  expect(produced, 'spooled in the first run').toBe(4);
  expect(localTimes('metrics'), 'stored locally in the first run').toHaveLength(3);

  // Killed right after spooling its first energy point, before storing it.
  const second = runAgent('energy:1');
  await exited(second);
  expect(second.signalCode, second.errors()).toBe('SIGKILL');
  const pointsBefore = localTimes('energy_points').length;

  // A normal run, stopped normally after its first point: it sends what the kills left in the spool, and its own.
  const third = runAgent();
  await waitFor('a point of the third run', async () => localTimes('energy_points').length > pointsBefore, 120_000);
  await stopProcess(third);
  expect(third.exitCode, third.errors()).toBe(0);

  for (const [local, table] of [
    [localTimes('metrics'), 'host_snapshots'],
    [localTimes('energy_points'), 'host_energy_points'],
  ] as const) {
    const remote = await remoteCounts(table);
    expect(local.length, table).toBeGreaterThan(0);
    expect(local.filter((t) => remote.get(t) !== 1), `${table}: stored locally, not once on the control plane`).toEqual([]);
    // The kill's own: spooled and sent, never stored locally (the agent died first). The other kill may have caught
    // one more between its two writes (a point is recorded just after a snapshot is stored, rarely during the next).
    expect(remote.size - local.length, `${table}: on the control plane only`).toBeGreaterThanOrEqual(1);
    expect(remote.size - local.length, `${table}: on the control plane only`).toBeLessThanOrEqual(2);
  }
  const after = openSpool(join(dir, 'data', 'agent-spool.db'));
  const counts = after.counts();
  after.close();
  expect(counts.pending).toBe(0);
  expect(counts.produced, 'every spooled snapshot is on the control plane once').toBe((await remoteCounts('host_snapshots')).size);
}, 300_000);
