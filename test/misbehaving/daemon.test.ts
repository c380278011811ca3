import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { type SimulatorsHandle, startSimulators } from '../../src/sim/index.js';
import { EXPECTED_REASON, MISBEHAVIOURS, type MisbehavingNodes, startMisbehavingNodes } from './nodes.js';

/**
 * Issue 12, must hold 4 (and 1-3 end to end): the real daemon, started through its composition root from a config
 * file that lists every misbehaving node beside the healthy simulators, runs for about 80 seconds. It stays up, names
 * every bad node's reason in status, health and /metrics, samples the healthy nodes on time, stores and serves nothing
 * non-finite, negative or absurd, and its memory stays bounded.
 */

const POLL_S = 2;
const RUN_MS = 80_000;
const PASSWORD = 'misbehaving-admin-password-0123';
/** Local simulators (grass is a cloud API, polled at intervals.cloudPoll). */
const HEALTHY = ['storj', 'golem', 'mysterium', 'streamr', 'honeygain'];

let dir: string;
let sims: SimulatorsHandle;
let bad: MisbehavingNodes;
let orcha: RunningOrcha;
let auth: string;

const api = async (path: string) => {
  const res = await fetch(`${orcha.url}${path}`, { headers: { authorization: auth }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orcha-misbehaving-'));
  sims = await startSimulators({ seed: 5, clock: systemClock });
  bad = await startMisbehavingNodes({ flapPeriodMs: 8_000 });
  const file = join(dir, 'orcha.yaml');
  const config = {
    dataDir: dir,
    server: { host: '127.0.0.1', port: 0 },
    log: { level: 'error' },
    intervals: { poll: POLL_S },
    protocols: [...sims.protocols, ...bad.protocols()],
  };
  await writeFile(file, stringify(config));
  const env = { ...process.env, ORCHA_ADMIN_PASSWORD: PASSWORD };
  orcha = await startOrcha({ loaded: loadConfig(file, env), log: silentLogger(), env });
  const res = await fetch(`${orcha.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  auth = `Bearer ${((await res.json()) as { accessToken: string }).accessToken}`;
}, 60_000);

afterAll(async () => {
  await orcha?.close();
  await bad?.close();
  await sims?.close();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

function allNumbers(value: unknown, path: string, out: [string, number][]): void {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) allNumbers(v, `${path}[${i}]`, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) allNumbers(v, `${path}.${k}`, out);
}

describe('the daemon against every misbehaving node at once', () => {
  it('stays up, names each bad node, samples the healthy ones on time, stores nothing absurd, memory bounded', async () => {
    const successes = new Map<string, number[]>(HEALTHY.map((n) => [n, []]));
    const rss: { at: number; mb: number }[] = [];
    const healthAnswers: number[] = [];
    const started = Date.now();
    let lastHealth = 0;
    while (Date.now() - started < RUN_MS) {
      for (const s of orcha.coordinator.status()) {
        const seen = successes.get(s.name);
        if (seen && s.lastSuccess !== null && seen[seen.length - 1] !== s.lastSuccess) seen.push(s.lastSuccess);
      }
      if (Date.now() - lastHealth >= 5_000) {
        lastHealth = Date.now();
        const res = await fetch(`${orcha.url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
        healthAnswers.push(res.status);
        await res.text();
        rss.push({ at: Date.now() - started, mb: process.memoryUsage().rss / 2 ** 20 });
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    // The daemon answered its health check all along (200, or 503 only if the database were down: it is not).
    expect(healthAnswers.length).toBeGreaterThanOrEqual(15);
    expect(healthAnswers.every((s) => s === 200)).toBe(true);

    // Healthy nodes were sampled on their schedule: at least 20 polls each, no gap above 1.5 x the interval (from 10 s
    // on: the very first polls, made while the process is still compiling, may take longer than one interval).
    for (const [name, all] of successes) {
      const times = all.filter((t) => t >= started + 10_000);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(times.length, name).toBeGreaterThanOrEqual(20);
      // Times are the loop's planned slots: a late wake-up on a busy host shows no gap, a skipped poll does.
      expect(Math.max(...gaps), `${name}: ${gaps.join(',')}`).toBeLessThanOrEqual(1.5 * POLL_S * 1000);
    }

    // Every bad node shows its reason: status (message and code), health (detail), /metrics (code label).
    const status = JSON.parse((await api('/api/v1/status')).text);
    const adapters = new Map<string, { connected: boolean; lastError: string | null; lastErrorCode?: string | null }>(
      (status.coordinator?.adapters ?? status.adapters).map((a: { protocol: string }) => [a.protocol, a]),
    );
    const health = JSON.parse((await api('/api/v1/health')).text) as { checks: { name: string; status: string; detail?: string }[] };
    const metrics = (await api('/metrics')).text;
    for (const kind of MISBEHAVIOURS) {
      const name = `bad-${kind}`;
      const a = adapters.get(name);
      const expected = EXPECTED_REASON[kind];
      expect(a, name).toBeDefined();
      expect(a!.lastError, name).toMatch(expected.message);
      expect(a!.lastErrorCode, name).toBe(expected.code);
      if (kind === 'flapping') continue; // up half of the time
      expect(a!.connected, name).toBe(false);
      const check = health.checks.find((c) => c.name === name);
      expect(check?.status, name).not.toBe('ok');
      expect(check?.detail, name).toMatch(expected.message);
      expect(metrics, name).toContain(`orcha_adapter_error{protocol="${name}",code="${expected.code}"} 1`);
      expect(metrics, name).toContain(`orcha_adapter_connected{protocol="${name}"} 0`);
    }
    for (const name of HEALTHY) expect(adapters.get(name)).toMatchObject({ connected: true });

    // Nothing non-finite, negative or absurd stored: every stored protocol row, and the samples in memory.
    const rows = [];
    for await (const page of orcha.store.metrics.iterateProtocolRows({ from: 0, to: Date.now() + 60_000 })) rows.push(...page);
    expect(rows.length).toBeGreaterThan(30 * (HEALTHY.length + MISBEHAVIOURS.length));
    const stored: [string, number][] = [];
    allNumbers(rows, 'rows', stored);
    allNumbers(orcha.coordinator.history(), 'ring', stored);
    const bad_ = stored.filter(([, v]) => !Number.isFinite(v) || v < 0 || v > 1e15);
    expect(bad_.slice(0, 5)).toEqual([]);
    for (const snap of orcha.coordinator.history()) {
      for (const p of snap.protocols) if (p.cumulativeTokens !== null) expect(p.cumulativeTokens).toBeLessThanOrEqual(1e12);
    }

    // ... nor served: the dashboard and the latest metrics hold only finite, non-negative figures.
    for (const path of ['/api/v1/dashboard', '/api/v1/metrics']) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      const served: [string, number][] = [];
      allNumbers(JSON.parse(res.text), path, served);
      expect(served.filter(([, v]) => !Number.isFinite(v) || v > 1e15).slice(0, 5), path).toEqual([]);
    }

    // Memory: no growth past 50 MB after the first 20 s (endless bodies and bombs are cut at 4 MiB each).
    const settled = rss.filter((r) => r.at >= 20_000);
    const growth = Math.max(...settled.map((r) => r.mb)) - settled[0]!.mb;
    expect(growth, rss.map((r) => r.mb.toFixed(0)).join(',')).toBeLessThan(50);
  }, RUN_MS + 60_000);
});
