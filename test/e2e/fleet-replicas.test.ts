/**
 * Two control-plane replicas (`orcha serve` processes on one PostgreSQL and one Redis) behind a load balancer, and
 * three agents (`orcha agent --demo`): two report through the balancer, one to the second replica only.
 *  - A WebSocket client of the first replica hears the reports the second replica ingested (Redis fan-out).
 *  - The hosts' decision leases are shared by the two replicas (each at most ceil(3 / 2)); the replica holding
 *    alpha's is killed: its leases move to the other one under a higher fence, and a WebSocket client reconnecting there sees fresh reports of every host that reaches it.
 *  - Then the whole control plane stops for a while, an agent is killed and restarted meanwhile, the replicas come
 *    back: per host, the snapshots the agent produced equal the snapshots stored (nothing lost, nothing twice).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openSpool } from '../../src/fleet/spool.js';
import type { Store } from '../../src/store/types.js';
import { CLI, type CliProcess, freePort, sleep, startCli, stopProcess, waitFor } from '../helpers/cli-processes.js';
import { createPostgresTestStore } from '../helpers/stores.js';

const PASSWORD = 'replicas-test-password';
const REDIS_URL = process.env.ORCHA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const HOSTS = ['alpha', 'beta', 'gamma'] as const;
type HostName = (typeof HOSTS)[number];

/** A TCP load balancer: each connection goes to the next replica in turn, or to the other one when it refuses. */
async function balancer(ports: number[]): Promise<{ port: number; server: Server }> {
  let next = 0;
  const server = createServer((client: Socket) => {
    client.pause();
    const tryPort = (attempt: number) => {
      if (attempt >= ports.length) return client.destroy();
      const upstream = connect(ports[(next + attempt) % ports.length], '127.0.0.1');
      upstream.once('connect', () => {
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.once('error', () => {
        if (upstream.bytesWritten === 0 && !upstream.readable) tryPort(attempt + 1);
        else client.destroy();
      });
      client.once('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    };
    next = (next + 1) % ports.length;
    tryPort(0);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server };
}

interface Report {
  host: string;
  latest: { time: string };
}

/** A WebSocket client subscribed to `hosts` (agents' reports) on one replica. */
async function watchHosts(url: string, token: string): Promise<{ reports: Report[]; close(): void }> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const reports: Report[] = [];
  let subscribed = false;
  socket.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; data: Report };
    if (msg.type === 'authenticated') socket.send(JSON.stringify({ type: 'subscribe', topics: ['hosts'] }));
    if (msg.type === 'subscribed') subscribed = true;
    if (msg.type === 'hosts') reports.push(msg.data);
  });
  await waitFor('the WebSocket subscription', async () => subscribed, 30_000);
  return { reports, close: () => socket.close() };
}

describe('fleet: two control-plane replicas and three agents as processes', () => {
  let dir: string;
  let store: Store & { url: string };
  const replicas: { port: number; url: string; config: string; child?: CliProcess }[] = [];
  let lb: { port: number; server: Server };
  const agents = new Map<HostName, { key: string; dataDir: string; config: string; server: string; child?: CliProcess }>();

  const startReplica = async (i: number) => {
    const r = replicas[i];
    r.child = startCli(['serve', '-c', r.config], { ORCHA_ADMIN_PASSWORD: PASSWORD });
    await waitFor(`replica ${i}`, async () => (await fetch(`${r.url}/api/v1/health`)).status < 500, 120_000);
  };
  const startAgent = async (name: HostName) => {
    const a = agents.get(name)!;
    a.child = startCli(['agent', '--demo', '--server', a.server, '--flush-interval', '1', '-c', a.config], { ORCHA_AGENT_KEY: a.key });
    await waitFor(`agent ${name}`, async () => a.child!.output().includes('orcha agent reporting'), 180_000);
  };
  const hostId = async (name: string) => (await store.fleet.findHostByName(name))!.id;
  const stored = async (name: string) => (await store.fleet.totals(await hostId(name))).snapshots;
  const login = async (url: string) => {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    return ((await res.json()) as { accessToken: string }).accessToken;
  };
  /** Which replica (index) holds each host's decision lease now, and under which fence. */
  const holders = async () => {
    const now = Date.now();
    const leases = (await store.leases.list('host:')).filter((l) => l.expiresAt > now);
    return Object.fromEntries(
      leases.map((l) => [l.name, { replica: replicas.findIndex((r) => r.child && l.holder.split(':')[1] === String(r.child.pid)), fence: l.fence }]),
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-replicas-'));
    store = await createPostgresTestStore();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const config = join(dir, `replica-${i}.yaml`);
      writeFileSync(
        config,
        [
          `dataDir: ${JSON.stringify(join(dir, `replica-${i}`))}`,
          `server: { host: 127.0.0.1, port: ${port} }`,
          `storage: { url: ${JSON.stringify(store.url)} }`,
          `redis: { url: ${JSON.stringify(REDIS_URL)} }`,
          'rateLimit: { store: redis }',
          'cache: { store: redis }',
          // One signing secret: a token from one replica is good on the other.
          'auth: { jwtSecret: "replicas-test-jwt-secret-0123456789abcdef" }',
          'fleet: { leaseTtl: 8, checkEvery: 5 }',
          'simulators: { enabled: false }',
          'log: { level: warn }',
        ].join('\n'),
      );
      replicas.push({ port, url: `http://127.0.0.1:${port}`, config });
    }
    lb = await balancer(replicas.map((r) => r.port));
    for (const name of HOSTS) {
      const added = spawnSync(process.execPath, [CLI, 'host', 'add', name, '--json', '-c', replicas[0].config], { encoding: 'utf8' });
      expect(added.status, added.stderr).toBe(0);
      const { key } = JSON.parse(added.stdout) as { key: string };
      const dataDir = join(dir, name);
      const config = join(dir, `${name}.yaml`);
      writeFileSync(config, [`dataDir: ${JSON.stringify(dataDir)}`, 'intervals: { poll: 1 }', 'log: { level: warn }'].join('\n'));
      // gamma reports to the second replica only: what the first replica's clients hear of it came through Redis.
      agents.set(name, { key, dataDir, config, server: name === 'gamma' ? replicas[1].url : `http://127.0.0.1:${lb.port}` });
    }
  }, 120_000);

  afterAll(async () => {
    for (const a of agents.values()) if (a.child) await stopProcess(a.child, 'SIGKILL');
    for (const r of replicas) if (r.child) await stopProcess(r.child, 'SIGKILL');
    lb?.server.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fans events out across replicas, moves the leases of a killed replica, and stores every snapshot once', async () => {
    // The first replica starts alone and takes every host's lease; the second finds them held.
    await startReplica(0);
    await waitFor('replica 0 to hold every host', async () => {
      const h = await holders();
      return HOSTS.every((n) => h[`host:${n}`]?.replica === 0);
    });
    await startReplica(1);
    // The second replica announces itself: the first hands over what exceeds its fair share (ceil(3 / 2) = 2).
    await waitFor('the hosts to be shared by both replicas', async () => {
      const h = Object.values(await holders()).map((l) => l.replica);
      return h.length === 3 && [0, 1].every((i) => h.filter((r) => r === i).length >= 1 && h.filter((r) => r === i).length <= 2);
    }, 60_000);
    const token = await login(replicas[1].url);
    const onFirst = await watchHosts(replicas[0].url, token);

    await Promise.all(HOSTS.map((n) => startAgent(n)));
    await waitFor('every agent to deliver', async () => (await Promise.all(HOSTS.map(stored))).every((n) => n > 2), 60_000);
    // gamma's batches only ever reach the second replica; the first replica's client hears of them all the same.
    await waitFor('reports of every host on the first replica', async () => HOSTS.every((n) => onFirst.reports.some((r) => r.host === n)), 30_000);
    // The replica holding alpha's decision lease dies (a batch may be in flight through the balancer): its leases
    // move to the other one.
    onFirst.close();
    const before = await holders();
    expect(HOSTS.every((n) => before[`host:${n}`] !== undefined)).toBe(true);
    const victim = before['host:alpha'].replica;
    const survivor = 1 - victim;
    await stopProcess(replicas[victim].child!, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor('the leases to move', async () => {
      const h = await holders();
      return HOSTS.every((n) => h[`host:${n}`]?.replica === survivor);
    }, 60_000);
    const after = await holders();
    for (const n of HOSTS) {
      if (before[`host:${n}`].replica === victim) expect(after[`host:${n}`].fence, n).toBeGreaterThan(before[`host:${n}`].fence);
    }
    // The hosts API of the live replica says so too.
    const listed = await fetch(`${replicas[survivor].url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
    const { hosts } = (await listed.json()) as { hosts: { name: string; decidedBy: { replica: string } | null }[] };
    for (const h of hosts) expect(h.decidedBy?.replica.split(':')[1], h.name).toBe(String(replicas[survivor].child!.pid));

    // A client reconnecting to the live replica sees fresh reports of every host whose agent reaches it (gamma's
    // reaches the second replica only).
    const reachable = HOSTS.filter((n) => n !== 'gamma' || survivor === 1);
    const onSurvivor = await watchHosts(replicas[survivor].url, token);
    await waitFor('fresh reports of every host', async () =>
      reachable.every((n) => onSurvivor.reports.some((r) => r.host === n && Date.parse(r.latest.time) > killedAt)),
    30_000);
    onSurvivor.close();

    // The whole control plane stops for a while; meanwhile an agent is killed and restarted.
    await stopProcess(replicas[survivor].child!);
    const during = await Promise.all(HOSTS.map(stored));
    await stopProcess(agents.get('beta')!.child!, 'SIGKILL');
    await startAgent('beta');
    await sleep(4000);
    expect(await Promise.all(HOSTS.map(stored))).toEqual(during);
    await startReplica(0);
    await startReplica(1);
    await waitFor('the spooled snapshots to arrive', async () => (await Promise.all(HOSTS.map(stored))).every((n, i) => n > during[i] + 3), 60_000);

    // Every agent stops cleanly (a last send at shutdown): per host, produced == stored.
    await Promise.all(HOSTS.map((n) => stopProcess(agents.get(n)!.child!)));
    for (const name of HOSTS) {
      const spool = openSpool(join(agents.get(name)!.dataDir, 'agent-spool.db'));
      const counts = spool.counts();
      spool.close();
      expect(counts.rejected, name).toBe(0);
      expect(counts.pending, `${name}: everything was delivered at shutdown`).toBe(0);
      expect(counts.produced, name).toBeGreaterThan(10);
      expect(await stored(name), `${name}: stored == produced`).toBe(counts.produced);
    }
  }, 600_000);
});
