/**
 * Net earnings out of the box: `npm start` with no node configured runs the simulators and a simulated smart plug
 * (a Shelly Gen2 answer whose draw follows the simulated load); the API, Prometheus and the optimizer's input show
 * power, power cost and net earnings per protocol.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { DEMO_HOST_WATTS, type EnergyView } from '../../src/energy/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const PASSWORD = 'energy-test-password';

describe('energy accounting with the simulators', () => {
  let dir: string;
  let orcha: RunningOrcha;
  let token = '';
  const get = (path: string) => fetch(`${orcha.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-energy-'));
    const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0', ORCHA_INTERVALS_POLL: '1' };
    const config = loadConfigText('', env);
    orcha = await startOrcha({ loaded: { config, path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD } });
    const login = await fetch(`${orcha.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await orcha?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures the simulated plug and splits power cost and net per protocol', async () => {
    let view: EnergyView | null = null;
    for (let i = 0; i < 60; i++) {
      const res = await get('/api/v1/energy');
      if (res.status === 200) {
        view = (await res.json()) as EnergyView;
        if (view.meters[0]?.status === 'ok' && view.protocols.length === 6) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(view).not.toBeNull();
    const v = view!;
    expect(v.meters).toHaveLength(1);
    expect(v.meters[0]).toMatchObject({ name: 'sim-plug', type: 'http', format: 'shelly', status: 'ok' });
    expect(typeof v.meters[0]!.lastReadingAt).toBe('string');
    expect(v.estimated).toBe(false);
    // The plug draws between the simulated host's idle and full-load watts, and all of it is charged (idle split equally).
    expect(v.hostWatts).toBeGreaterThan(DEMO_HOST_WATTS.idleWatts);
    expect(v.hostWatts).toBeLessThan(DEMO_HOST_WATTS.maxWatts);
    expect(v.protocols.reduce((s, p) => s + p.watts, 0)).toBeCloseTo(v.hostWatts, 6);
    for (const p of v.protocols) {
      expect(p.powerCostUsdPerHour).toBeCloseTo((p.watts / 1000) * v.usdPerKwh, 9);
      expect(p.netUsdPerHour).toBeCloseTo(p.grossUsdPerHour - p.powerCostUsdPerHour, 9);
    }
    expect(v.netUsdPerHour).toBeCloseTo(v.grossUsdPerHour - v.powerCostUsdPerHour, 9);
  });

  it('exposes power, energy and net series to Prometheus', async () => {
    const text = await (await fetch(`${orcha.url}/metrics`)).text();
    expect(text).toMatch(/^orcha_power_watts\{meter="sim-plug"\} \d/m);
    expect(text).toMatch(/^orcha_energy_kwh_total\{meter="sim-plug"\} \d/m);
    expect(text).toMatch(/^orcha_net_usd_per_hour\{protocol="storj"\} -?\d/m);
  });

  it('answers history and a report with gross, power cost and net per protocol', async () => {
    const history = await get('/api/v1/energy/history');
    expect(history.status).toBe(200);
    const report = await get('/api/v1/energy/report');
    expect(report.status).toBe(200);
    const body = (await report.json()) as { protocols: { protocol: string; grossUsd: number; powerCostUsd: number; netUsd: number }[] };
    for (const p of body.protocols) expect(p.netUsd).toBeCloseTo(p.grossUsd - p.powerCostUsd, 9);
    const bad = await get('/api/v1/energy/history?step=abc');
    expect(bad.status).toBe(400);
  });

  it('GET /metrics carries net per protocol and GET /reports carries power cost and net', async () => {
    let body: { protocols?: unknown[]; energy?: EnergyView } = {};
    for (let i = 0; i < 60 && !(body.energy && body.energy.protocols.length === 6); i++) {
      const res = await get('/api/v1/metrics');
      if (res.status === 200) body = (await res.json()) as typeof body;
      else await new Promise((r) => setTimeout(r, 250));
    }
    expect(body.protocols).toHaveLength(6);
    expect(body.energy?.protocols.map((p) => p.protocol).sort()).toEqual(['golem', 'grass', 'honeygain', 'mysterium', 'storj', 'streamr']);
    for (const p of body.energy!.protocols) expect(p.netUsdPerHour).toBeCloseTo(p.grossUsdPerHour - p.powerCostUsdPerHour, 9);
    const report = (await (await get('/api/v1/reports')).json()) as { energy?: { from: string; currency: string; protocols: unknown[] } };
    expect(report.energy?.currency).toBe('USD');
    expect(report.energy?.from).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
