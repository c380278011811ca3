/**
 * Energy of a fleet host, on both databases: a real agent (`startAgent`, demo nodes and the simulated smart plug that
 * `orcha demo` reads) sends its energy points with its batches to a real control plane (`startOrcha`, HTTP on a free
 * port, no nodes of its own). `GET energy...?host=edge` then answers what the agent's own accounting shows: its
 * figures at its latest point, its history and its report (power from its points, gross from its samples). A replayed
 * batch (same id, or the same points under a new id) adds no energy; a host whose agent sends none is a 404 saying so;
 * the ingest refuses a point out of range, naming the field.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { createEnergyReports } from '../../src/energy/energy-reports.js';
import type { EnergyPoint } from '../../src/energy/energy-point.js';
import { startAgent } from '../../src/fleet/agent.js';
import { AGENT_VERSION } from '../../src/fleet/agent-version.js';
import { toApi } from '../../src/http/schemas/api-time.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { createStore } from '../../src/store/index.js';
import { waitFor } from '../helpers/cli-processes.js';
import { createPostgresTestStore, protocolSample, snapshot } from '../helpers/stores.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function controlPlane(dialect: 'sqlite' | 'postgres', dir: string): Promise<RunningOrcha> {
  let storage: Record<string, unknown> = { sqlitePath: join(dir, 'cp.db') };
  if (dialect === 'postgres') {
    const pg = await createPostgresTestStore();
    cleanups.push(() => pg.close());
    storage = { url: pg.url };
  }
  const path = join(dir, 'cp.yaml');
  await writeFile(
    path,
    stringify({ dataDir: join(dir, 'cp'), server: { host: '127.0.0.1', port: 0 }, storage, simulators: { enabled: false }, fleet: { localName: 'cp' } }),
  );
  const cp = await startOrcha({ loaded: loadConfig(path, {}), log: silentLogger(), loops: false, security: false });
  cleanups.push(() => cp.close());
  return cp;
}

describe.each(['sqlite', 'postgres'] as const)('fleet energy (%s control plane)', (dialect) => {
  it("answers GET energy, energy/history and energy/report for a fleet host with its agent's own figures, once", { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orcha-fleet-energy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const cp = await controlPlane(dialect, dir);
    const call = async (method: string, path: string, body?: unknown, key?: string) => {
      const res = await fetch(`${cp.url}/api/v1/${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as J };
    };
    const added = await call('POST', 'hosts', { name: 'edge' });
    expect(added.status).toBe(201);
    const key: string = added.json.key;

    // The agent: demo nodes on a 1 s poll, the simulated plug read every 5 s, a point stored every 5 s.
    const agentDir = join(dir, 'edge');
    const agentConfig = join(dir, 'edge.yaml');
    await writeFile(agentConfig, stringify({ dataDir: agentDir, intervals: { poll: 1 }, energy: { recordInterval: 5 } }));
    const startedAt = Date.now();
    const agent = await startAgent({ server: cp.url, key, loaded: loadConfig(agentConfig, {}), log: silentLogger(), demo: true, flushIntervalMs: 300 });
    let agentOpen = true;
    cleanups.push(async () => {
      if (agentOpen) await agent.close();
    });
    const sent: EnergyPoint[] = [];
    agent.orcha.services.energy!.onRecord((p) => sent.push(p));

    // Before any point arrives, the host has no energy yet: a 404 that says why.
    const early = await call('GET', 'energy?host=edge');
    if (early.status !== 200) expect(early.json.error.message).toContain('"edge" has sent no power figures');
    await waitFor('three energy points of edge on the control plane', async () => {
      const h = await call('GET', `energy/history?host=edge&from=${new Date(startedAt - 60_000).toISOString()}&step=5s`);
      return h.status === 200 && h.json.points.length >= 3;
    }, 120_000);
    await agent.close();
    agentOpen = false;
    expect(sent.length).toBeGreaterThanOrEqual(3);

    // The agent's own figures, from its own store, by the same code this machine's energy endpoints use.
    const local = await createStore({ sqlitePath: join(agentDir, 'orcha.db') });
    const range = { from: startedAt - 60_000, to: Date.now() + 60_000 };
    const q = `host=edge&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}`;
    let localHistory: J;
    let localReport: J;
    try {
      const reports = createEnergyReports({ store: local, getConfig: () => ({ energy: { enabled: true, currency: 'USD' } }) });
      localHistory = toApi(await reports.history({ ...range, stepMs: 5000 }));
      localReport = toApi(await reports.report(range));
    } finally {
      await local.close();
    }

    // Power now: the figures of the agent's latest stored point, as its accounting showed them (watts, tariff, net).
    const now = await call('GET', 'energy?host=edge');
    expect(now.status).toBe(200);
    const last = sent.at(-1)!;
    expect(now.json).toEqual(toApi(last.view));
    expect(now.json.meters.map((m: J) => m.name)).toEqual(['sim-plug']);
    expect(now.json.hostWatts).toBeGreaterThan(0);
    expect(now.json.estimated).toBe(false);

    // GET metrics?host=edge carries them too, and metrics/history?net=true prices edge's samples with its points.
    expect((await call('GET', 'metrics?host=edge')).json.energy).toEqual(now.json);
    const net = await call('GET', `metrics/history?${q}&net=true`);
    expect(net.status).toBe(200);
    const priced = net.json.protocols.filter((p: J) => p.powerWatts !== null);
    expect(priced.length).toBeGreaterThan(0);
    for (const p of priced) expect(p.netUsdPerHour).toBeCloseTo(p.usdPerHour - p.powerCostUsdPerHour, 12);

    // History: every point the agent stored, with its watts, power cost and net.
    const history = await call('GET', `energy/history?${q}&step=5s`);
    expect(history.status).toBe(200);
    expect(history.json.points.length).toBe(localHistory.points.length);
    history.json.points.forEach((p: J, i: number) => {
      const l = localHistory.points[i];
      expect(p.time).toBe(l.time);
      for (const f of ['hostWatts', 'powerCostUsdPerHour', 'grossUsdPerHour', 'netUsdPerHour', 'energyKwh']) expect(p[f], `${p.time} ${f}`).toBeCloseTo(l[f], 9);
    });
    expect(history.json.protocols.length).toBe(localHistory.protocols.length);
    expect(history.json.meters.length).toBe(localHistory.meters.length);

    // Report: power cost and net per protocol as the agent's own report says (gross from the samples it sent).
    const report = await call('GET', `energy/report?${q}`);
    expect(report.status).toBe(200);
    expect(report.json.energyKwh).toBeGreaterThan(0);
    expect(report.json.currency).toBe('USD');
    for (const f of ['energyKwh', 'powerCostUsd', 'grossUsd', 'netUsd']) expect(report.json[f], f).toBeCloseTo(localReport[f], 9);
    expect(report.json.protocols.map((p: J) => p.protocol)).toEqual(localReport.protocols.map((p: J) => p.protocol));
    report.json.protocols.forEach((p: J, i: number) => {
      for (const f of ['powerCostUsd', 'grossUsd', 'netUsd', 'energyKwh']) expect(p[f], `${p.protocol} ${f}`).toBeCloseTo(localReport.protocols[i][f], 9);
    });

    // Replays: the points again under a new batch id, then that batch again: stored once, nothing counted twice.
    const replay = { batchId: 'replayed-energy-1', agentVersion: AGENT_VERSION, snapshots: [], energy: sent };
    expect((await call('POST', 'agent/batches', replay, key)).json.result).toBe('stored');
    expect((await call('POST', 'agent/batches', replay, key)).json.result).toBe('duplicate');
    const again = await call('GET', `energy/report?${q}`);
    expect(again.json.energyKwh).toBe(report.json.energyKwh);
    expect(again.json.powerCostUsd).toBe(report.json.powerCostUsd);
    expect((await call("GET", `energy/history?${q}&step=5s`)).json.points.length).toBe(localHistory.points.length);

    // Bounded and validated: a negative draw and an empty batch are refused, naming the field.
    const bad = structuredClone(last);
    bad.view.hostWatts = -5;
    const refused = await call('POST', 'agent/batches', { ...replay, batchId: 'bad-energy-1', energy: [bad] }, key);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json.error.details)).toContain('hostWatts');
    const empty = await call('POST', 'agent/batches', { ...replay, batchId: 'empty-batch-1', energy: [] }, key);
    expect(empty.status).toBe(400);
    expect(empty.json.error.details[0].path).toBe('body.snapshots');

    // A host whose agent sends no energy (none configured): a 404 saying so on every energy endpoint.
    const bare = await call('POST', 'hosts', { name: 'bare' });
    const t = Date.now();
    const plain = { batchId: 'bare-batch-1', agentVersion: AGENT_VERSION, snapshots: [snapshot(t, [protocolSample('storj', t)])] };
    expect((await call('POST', 'agent/batches', plain, bare.json.key)).json.result).toBe('stored');
    for (const path of ['energy', 'energy/history', 'energy/report']) {
      const res = await call('GET', `${path}?host=bare`);
      expect(res.status, path).toBe(404);
      expect(res.json.error.message, path).toContain('"bare" has sent no power figures');
      expect((await call('GET', `${path}?host=nope`)).status, path).toBe(404);
    }

    expect((await call('GET', 'metrics?host=bare')).json.energy).toBeUndefined();

    // The hosts list and the fleet overview carry each host's net per hour at its latest point (null without energy).
    const hosts = (await call('GET', 'hosts')).json.hosts;
    expect(hosts.map((h: J) => [h.name, h.netUsdPerHour])).toEqual([
      ['bare', null],
      ['edge', now.json.netUsdPerHour],
    ]);
    const fleet = (await call('GET', 'fleet')).json.hosts;
    expect(fleet.find((h: J) => h.name === 'edge').netUsdPerHour).toBe(now.json.netUsdPerHour);
  });
});
