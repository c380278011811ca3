/**
 * Net earnings over time on both databases: stored energy points, a protocol whose net stays negative for the
 * configured period (alert, and the pause policy only in auto mode when allowed and in expensive hours), the
 * report per protocol and the digest lines.
 */
import { expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createEnergyService, ENERGY_PAUSE_POLICY, withEnergyPolicy } from '../../src/energy/index.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const HOUR = 3_600_000;

function config(extra: string): Config {
  return loadConfigText(
    `
protocols:
  - { name: storj, type: storj, endpoint: "http://127.0.0.1:14002" }
  - { name: golem, type: golem, endpoint: "http://127.0.0.1:7465" }
energy:
  enabled: true
  recordInterval: 60
  pricePerKwh: 0.20
  estimate: { idleWatts: 40, maxWatts: 140 }
  tariff:
    rates:
      - { name: peak, pricePerKwh: 0.50, from: "17:00", to: "21:00" }
  netNegative: { afterHours: 2 }
${extra}`,
    {},
  );
}

describeEachStore('energy accounting over time', (factory) => {
  const store = useStore(factory);

  it('stores points, alerts on a protocol that costs more power than it earns, and reports gross, power and net', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 10));
    let cfg = config('');
    const published: string[] = [];
    const energy = createEnergyService({
      getConfig: () => cfg,
      store: store(),
      clock,
      log: silentLogger(),
      baseDir: '.',
      publishAlert: (change, alert) => published.push(`${change}:${alert.dedupKey}`),
    });
    const start = clock.now();
    // storj earns well on little CPU; golem earns little on much CPU. No meter: the estimate is used.
    const at = (t: number) =>
      snapshot(
        t,
        [
          protocolSample('storj', t, { usdPerHour: 0.05, earnedUsd: 0.05 / 60, cpuPercent: 5, bandwidthBytesPerSec: 0, storageBytes: 0 }),
          protocolSample('golem', t, { type: 'golem', usdPerHour: 0.001, earnedUsd: 0.001 / 60, cpuPercent: 45, bandwidthBytesPerSec: 0, storageBytes: 0 }),
        ],
        { host: { ...snapshot(t, []).host, cpuPercent: 50 } },
      );
    for (let t = start; t <= start + 3 * HOUR; t += 60_000) {
      await clock.advance(t - clock.now());
      const s = at(t);
      await store().metrics.insertSnapshot(s);
      await energy.observe(s);
    }
    const view = energy.current()!;
    expect(view.estimated).toBe(true);
    expect(view.estimatedReason).toMatch(/no power meter configured/);
    // 40 W idle + 100 W x 50 % load = 90 W, at the flat 0.20 outside the peak rate.
    expect(view.hostWatts).toBeCloseTo(90, 9);
    expect(view.rate).toBe('flat');
    expect(view.powerCostUsdPerHour).toBeCloseTo(0.018, 9);
    const golem = view.protocols.find((p) => p.protocol === 'golem')!;
    // Idle split equally (20 W each). Above idle (50 W): CPU is measured (golem 45 of 50 %), network and disk are not
    // reported, so their weight (0.2 + 0.1) goes by allocation share (equal here): golem 0.7 x 0.9 + 0.3 x 0.5.
    expect(view.basis).toBe('mixed');
    expect(golem.watts).toBeCloseTo(20 + 50 * 0.78, 9);
    expect(golem.netUsdPerHour).toBeLessThan(0);

    const alert = await store().alerts.findActiveByKey('net_negative:golem');
    expect(alert?.type).toBe('net_negative');
    expect(alert?.message).toMatch(/golem costs more power than it earns/);
    expect(await store().alerts.findActiveByKey('net_negative:storj')).toBeNull();
    expect(published).toContain('raised:net_negative:golem');
    expect(energy.netNegative()).toEqual(['golem']);

    const history = await energy.history({ from: start, to: start + 3 * HOUR, stepMs: HOUR });
    expect(history.points.length).toBeGreaterThanOrEqual(3);
    expect(history.points[1]!.hostWatts).toBeCloseTo(90, 6);
    expect(history.protocols.filter((p) => p.protocol === 'golem').every((p) => p.netUsdPerHour < 0)).toBe(true);

    const report = await energy.report({ from: start, to: start + 3 * HOUR });
    // 3 hours at 90 W: 0.27 kWh, 0.054 USD (integrated between polls).
    expect(report.energyKwh).toBeCloseTo(0.27, 3);
    expect(report.powerCostUsd).toBeCloseTo(0.054, 4);
    expect(report.estimatedShare).toBe(1);
    const g = report.protocols.find((p) => p.protocol === 'golem')!;
    expect(g.netUsd).toBeCloseTo(g.grossUsd - g.powerCostUsd, 12);
    expect(g.powerCostUsd).toBeCloseTo(0.059 * 0.2 * 3, 3);
    expect(g.netUsd).toBeLessThan(0);
    const lines = await energy.digest({ from: start, to: start + 3 * HOUR });
    expect(lines[0]).toMatch(/^Power: 0\.27 kWh costing 0\.05 USD \(estimated for 100 % of the period\)/);
    expect(lines.find((l) => l.startsWith('golem:'))).toMatch(/costs more power than it earns/);

    // Pausing: never unless allowed, and only in expensive hours (in advisory mode as a recommendation: the engine
    // applies nothing there; test/integration/net-optimizer.test.ts follows it through the engine).
    expect(energy.pausePolicy(cfg)).toBeNull();
    cfg = config('reallocation: { mode: auto }');
    expect(energy.pausePolicy(cfg)).toBeNull();
    cfg = loadConfigText(
      JSON.stringify({ ...JSON.parse(JSON.stringify(config(''))), reallocation: { mode: 'auto' }, energy: { ...config('').energy, netNegative: { afterHours: 2, pause: true } } }),
      {},
    );
    expect(energy.pausePolicy(cfg)).toBeNull(); // 13:00 UTC: the flat (cheapest) price
    await clock.advance(Date.UTC(2026, 0, 5, 18) - clock.now()); // 18:00 UTC: peak
    const policy = energy.pausePolicy(cfg)!;
    expect(policy.name).toBe(ENERGY_PAUSE_POLICY);
    expect(policy.rules.map((r) => `${r.protocol}.${r.resource}<=${r.max}`).sort()).toEqual(['golem.bandwidth<=0', 'golem.cpu<=0', 'golem.memory<=0']);
    expect(withEnergyPolicy(cfg, energy).policies.map((p) => p.name)).toContain(ENERGY_PAUSE_POLICY);

    // Golem turns profitable: the alert resolves once the period's net is positive again.
    for (let t = clock.now(); t <= start + 12 * HOUR; t += 5 * 60_000) {
      await clock.advance(t - clock.now());
      const s = at(t);
      s.protocols[1] = { ...s.protocols[1]!, usdPerHour: 0.5 };
      await energy.observe(s);
    }
    expect(await store().alerts.findActiveByKey('net_negative:golem')).toBeNull();
    expect(energy.pausePolicy(cfg)).toBeNull();
    await energy.close();
  });
});
