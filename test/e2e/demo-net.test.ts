/**
 * Issue 17: a plain demo (`orcha demo`, or `npm start` with no node configured) shows a host that pays its power:
 * over a simulated day and more, the simulated plug's draw costs less than the simulated nodes earn, every protocol's
 * net is positive, and no net_negative alert is raised. Started through the composition root in demo mode on a
 * VirtualClock, polled every 2 simulated minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { DEMO_HOST_WATTS, type EnergyView } from '../../src/energy/index.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';

const MINUTE = 60_000;
let dir: string;
let orcha: RunningOrcha;
const clock = new VirtualClock(Date.UTC(2026, 0, 5));
let first: EnergyView | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orcha-demo-net-'));
  const env = { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0' };
  orcha = await startOrcha({
    loaded: { config: loadConfigText('', env), path: null, baseDir: dir },
    log: silentLogger(),
    env: { ORCHA_ADMIN_PASSWORD: 'demo-net-password-1' },
    demo: true,
    clock,
    host: createStaticHostReader(),
    loops: false,
    security: false,
  });
  // 26 simulated hours: past the default net_negative period (24 h) with every energy point stored. What a visitor
  // sees first is kept: the view 6 simulated minutes in, when most simulated counters have not moved yet.
  for (let t = 2; t <= 26 * 60; t += 2) {
    await clock.advance(2 * MINUTE);
    await orcha.coordinator.pollOnce({ force: true });
    await orcha.application.settled();
    if (t === 6) first = (await (await fetch(`${orcha.url}/api/v1/energy`)).json()) as EnergyView;
  }
}, 300_000);

afterAll(async () => {
  await orcha?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the demo pays its power', () => {
  it('opens on a host whose earnings already exceed its power cost', () => {
    // Read from the plug, or from the declared watts of the same simulated host when the plug's last answer is older
    // than staleAfter (simulated time moves 2 minutes a poll here).
    expect(first!.hostWatts).toBeLessThanOrEqual(DEMO_HOST_WATTS.maxWatts);
    expect(first!.grossUsdPerHour).toBeGreaterThan(0);
    expect(first!.netUsdPerHour).toBeGreaterThan(0);
  });

  it('draws what a mini PC draws, earns more than the power costs per protocol, and raises no net_negative alert', async () => {
    const view = (await (await fetch(`${orcha.url}/api/v1/energy`)).json()) as EnergyView;
    expect(view.meters.map((m) => m.name)).toEqual(['sim-plug']);
    expect(view.hostWatts).toBeGreaterThanOrEqual(DEMO_HOST_WATTS.idleWatts);
    expect(view.hostWatts).toBeLessThanOrEqual(DEMO_HOST_WATTS.maxWatts);
    expect(view.netUsdPerHour).toBeGreaterThan(0);
    for (const p of view.protocols) expect(p.netUsdPerHour, p.protocol).toBeGreaterThan(0);

    // Over the whole day, by the stored points: every protocol earned more than its power cost.
    const to = clock.now();
    const report = (await (await fetch(`${orcha.url}/api/v1/energy/report?from=${new Date(to - 24 * 60 * MINUTE).toISOString()}&to=${new Date(to).toISOString()}`)).json()) as {
      protocols: { protocol: string; netUsd: number }[];
    };
    expect(report.protocols).toHaveLength(6);
    for (const p of report.protocols) expect(p.netUsd, p.protocol).toBeGreaterThan(0);

    const alerts = (await (await fetch(`${orcha.url}/api/v1/alerts`)).json()) as { alerts: { type: string; message: string }[] };
    expect(alerts.alerts.filter((a) => a.type === 'net_negative')).toEqual([]);
  });
});
