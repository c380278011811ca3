/**
 * Power meters against real parts: MQTT meters on the Mosquitto broker of this machine (127.0.0.1:1883) with the
 * payload shapes Tasmota and Shelly Gen2 publish, HTTP meters against a local server answering like the devices,
 * and the alert a silent or failing meter raises (figures "estimated" until it returns).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createEnergyService, type EnergyService } from '../../src/energy/index.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { createSqliteTestStore, protocolSample, snapshot } from '../helpers/stores.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

function configWith(yaml: string): Config {
  return loadConfigText(yaml, {});
}

describe('power meters', () => {
  let store: Store;
  let publisher: MqttClient;
  let energy: EnergyService | null = null;
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12));
  const samples = (t: number) =>
    snapshot(t, [
      protocolSample('storj', t, { usdPerHour: 0.05, cpuPercent: 10 }),
      protocolSample('golem', t, { type: 'golem', usdPerHour: 0.02, cpuPercent: 30 }),
    ]);

  beforeAll(async () => {
    store = await createSqliteTestStore();
    publisher = await connectAsync(BROKER, { clientId: `orcha-test-${randomBytes(4).toString('hex')}` });
  });
  afterEach(async () => {
    await energy?.close();
    energy = null;
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await store?.close();
  });

  it('reads Tasmota and Shelly Gen2 meters over MQTT, adds their draw, and attributes it', async () => {
    const id = randomBytes(4).toString('hex');
    const config = configWith(`
energy:
  enabled: true
  pricePerKwh: 0.3
  estimate: { idleWatts: 20, maxWatts: 200 }
  meters:
    - { name: plug-a, type: mqtt, url: "${BROKER}", topic: "tasmota_${id}", format: tasmota }
    - { name: plug-b, type: mqtt, url: "${BROKER}", topic: "shellyplusplugs-${id}", format: shelly }
`);
    energy = createEnergyService({ getConfig: () => config, store, clock, log: silentLogger(), baseDir: '.' });
    await energy.observe(samples(clock.now()));
    expect(energy.current()!.meters.map((m) => m.status)).toEqual(['waiting', 'waiting']);

    // Payloads as the devices publish them (retained, so a subscriber that connects late still gets one).
    const tasmota = { Time: '2026-01-05T12:00:00', ENERGY: { TotalStartTime: '2025-10-21T22:15:00', Total: 3.705, Yesterday: 0.028, Today: 0.026, Power: 45, Voltage: 233, Current: 0.2 } };
    const shelly = { id: 0, source: 'init', output: true, apower: 15.5, voltage: 230.1, current: 0.07, aenergy: { total: 2500, by_minute: [1, 2, 3], minute_ts: 1 }, temperature: { tC: 30, tF: 86 } };
    await until(() => {
      void publisher.publishAsync(`tele/tasmota_${id}/SENSOR`, JSON.stringify(tasmota), { retain: true });
      void publisher.publishAsync(`shellyplusplugs-${id}/status/switch:0`, JSON.stringify(shelly), { retain: true });
      return energy!.current() !== null;
    }, 'publish');
    await until(() => {
      void energy!.observe(samples(clock.now()));
      return energy!.current()!.meters.every((m) => m.status === 'ok');
    }, 'both meters to report');
    const view = energy.current()!;
    expect(view.estimated).toBe(false);
    expect(view.hostWatts).toBeCloseTo(60.5, 6);
    expect(view.meters.find((m) => m.name === 'plug-a')).toMatchObject({ watts: 45, energyKwh: 3.705 });
    expect(view.meters.find((m) => m.name === 'plug-b')).toMatchObject({ watts: 15.5, energyKwh: 2.5 });
    // Idle (20 W) split equally; 40.5 W above idle by measured load: golem has 3/4 of the CPU.
    expect(view.basis).toBe('measured');
    const golem = view.protocols.find((p) => p.protocol === 'golem')!;
    const storj = view.protocols.find((p) => p.protocol === 'storj')!;
    expect(golem.watts + storj.watts).toBeCloseTo(60.5, 6);
    expect(golem.idleWatts).toBeCloseTo(10, 6);
    expect(golem.activeWatts).toBeGreaterThan(storj.activeWatts);
    expect(golem.powerCostUsdPerHour).toBeCloseTo((golem.watts / 1000) * 0.3, 9);
    expect(golem.netUsdPerHour).toBeCloseTo(0.02 - golem.powerCostUsdPerHour, 9);
    await publisher.publishAsync(`tele/tasmota_${id}/SENSOR`, '', { retain: true });
    await publisher.publishAsync(`shellyplusplugs-${id}/status/switch:0`, '', { retain: true });
  });

  it('raises an alert when a meter goes silent, says "estimated" until it returns, and resolves the alert then', async () => {
    const id = randomBytes(4).toString('hex');
    const config = configWith(`
energy:
  enabled: true
  staleAfter: 60
  recordInterval: 10
  estimate: { idleWatts: 30, maxWatts: 130 }
  meters:
    - { name: rack, type: mqtt, url: "${BROKER}", topic: "rack_${id}", format: tasmota }
`);
    energy = createEnergyService({ getConfig: () => config, store, clock, log: silentLogger(), baseDir: '.' });
    const topic = `tele/rack_${id}/SENSOR`;
    const publish = (w: number) => publisher.publishAsync(topic, JSON.stringify({ Time: 'x', ENERGY: { Total: 1, Power: w } }));
    await energy.observe(samples(clock.now()));
    // Publish until the subscription has one, then let stragglers land before the clock moves.
    const deliver = async (w: number) => {
      for (let i = 0; i < 50; i++) {
        await publish(w);
        await new Promise((r) => setTimeout(r, 100));
        await energy!.observe(samples(clock.now()));
        if (energy!.current()!.meters[0]!.watts === w) break;
      }
      await new Promise((r) => setTimeout(r, 200));
      await energy!.observe(samples(clock.now()));
      expect(energy!.current()!.meters[0]!.watts).toBe(w);
    };
    await deliver(80);
    expect(energy.current()!.meters[0]!.status).toBe('ok');

    // Two minutes without a message.
    await clock.advance(120_000);
    await energy.observe(samples(clock.now()));
    const view = energy.current()!;
    expect(view.meters[0]!.status).toBe('silent');
    expect(view.estimated).toBe(true);
    expect(view.estimatedReason).toMatch(/rack is silent/);
    const open = await store.alerts.findActiveByKey('power_meter_silent:rack');
    expect(open?.type).toBe('power_meter_silent');
    expect(open?.message).toMatch(/estimated until it reports again/);

    await deliver(82);
    await clock.advance(11_000);
    await energy.observe(samples(clock.now()));
    expect(energy.current()!.estimated).toBe(false);
    expect(await store.alerts.findActiveByKey('power_meter_silent:rack')).toBeNull();
  });

  describe('over HTTP', () => {
    let server: Server;
    let base = '';
    let failing = false;
    beforeAll(async () => {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (failing) return void res.writeHead(500).end('oops');
        if (url.pathname === '/rpc/Switch.GetStatus' && url.searchParams.get('id') === '0') {
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ id: 0, source: 'init', output: true, apower: 33.3, voltage: 230, current: 0.15, aenergy: { total: 1234.5, by_minute: [0, 0, 0], minute_ts: 1 }, temperature: { tC: 30, tF: 86 } }),
          );
        }
        if (url.pathname === '/cm' && url.searchParams.get('cmnd') === 'Status 8') {
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ StatusSNS: { Time: 'x', ENERGY: { TotalStartTime: 'x', Total: 7.25, Yesterday: 0, Today: 0, Power: 12, Voltage: 230, Current: 0.05 } } }));
        }
        if (url.pathname === '/custom') return void res.writeHead(200).end('{"emeter":{"power_w":"5.5"}}');
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('reads Shelly Gen2 Switch.GetStatus, Tasmota Status 8 and a JSON path, and reports a failing device', async () => {
      const config = configWith(`
energy:
  enabled: true
  meters:
    - { name: shelly, type: http, url: "${base}", format: shelly, interval: 5 }
    - { name: tasmota, type: http, url: "${base}/", format: tasmota, interval: 5 }
    - { name: custom, type: http, url: "${base}/custom", format: json, path: emeter.power_w, interval: 5 }
`);
      energy = createEnergyService({ getConfig: () => config, store, clock, log: silentLogger(), baseDir: '.' });
      await energy.observe(samples(clock.now()));
      await until(() => {
        void energy!.observe(samples(clock.now()));
        return energy!.current()!.meters.every((m) => m.status === 'ok');
      }, 'three HTTP meters');
      const view = energy.current()!;
      expect(view.meters.map((m) => [m.name, m.watts, m.energyKwh])).toEqual([
        ['shelly', 33.3, 1.2345],
        ['tasmota', 12, 7.25],
        ['custom', 5.5, null],
      ]);
      expect(view.hostWatts).toBeCloseTo(50.8, 6);

      failing = true;
      await clock.advance(6_000);
      await until(() => {
        void energy!.observe(samples(clock.now()));
        return energy!.current()!.meters.every((m) => m.status === 'failing');
      }, 'the meters to fail');
      expect(energy.current()!.meters[0]!.error).toMatch(/shelly: HTTP 500/);
      expect(energy.current()!.estimated).toBe(true);
      // The last readings stand in while the meters fail.
      expect(energy.current()!.hostWatts).toBeCloseTo(50.8, 6);
      failing = false;
    });
  });
});
