/**
 * A simulated smart plug under the simulated host: its draw follows the simulated load (the CPU the simulated nodes
 * hold, as their effective shares say), and it answers like a Shelly Gen2 plug (`GET /rpc/Switch.GetStatus?id=0`)
 * and a Tasmota plug (`GET /cm?cmnd=Status%208`), so `npm start` shows power cost and net earnings out of the box.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Market } from './market.js';

export interface PowerMeterSim {
  /** Base URL of the plug (use with format `shelly` or `tasmota`). */
  url: string;
  /** Watts drawn now. */
  watts(): number;
  close(): Promise<void>;
}

export interface PowerMeterSimOptions {
  market: Market;
  clock: Clock;
  /** Draw at rest and at full CPU (defaults: a small home server). */
  idleWatts?: number;
  maxWatts?: number;
}

export async function startPowerMeterSim(options: PowerMeterSimOptions): Promise<PowerMeterSim> {
  const idle = options.idleWatts ?? 35;
  const max = options.maxWatts ?? 140;
  const { clock, market } = options;
  let totalWh = 0;
  let last = clock.now();

  const watts = (): number => {
    let cpu = 0;
    for (const model of market.models.values()) if (!model.inOutage()) cpu += model.effectiveShares().cpu;
    const load = Math.min(1, Math.max(0, cpu / 100));
    return idle + (max - idle) * load;
  };
  /** Advance the energy counter to now at the current draw. */
  const advance = (): number => {
    const now = clock.now();
    const w = watts();
    if (now > last) totalWh += (w * (now - last)) / 3_600_000;
    last = now;
    return w;
  };
  const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://plug');
    const w = advance();
    let body: unknown;
    if (req.method === 'GET' && url.pathname === '/rpc/Switch.GetStatus' && url.searchParams.get('id') === '0') {
      // The Switch status object of Shelly's Gen2 API: apower in W, aenergy.total in Wh.
      body = {
        id: 0,
        source: 'init',
        output: true,
        apower: round(w, 1),
        voltage: 230.1,
        current: round(w / 230.1, 3),
        aenergy: { total: round(totalWh, 3), by_minute: [0, 0, 0], minute_ts: Math.floor(clock.now() / 1000) },
        temperature: { tC: 38.2, tF: 100.8 },
      };
    } else if (req.method === 'GET' && url.pathname === '/cm' && url.searchParams.get('cmnd') === 'Status 8') {
      // Tasmota's Status 8 answer: ENERGY inside StatusSNS, Power in W, Total in kWh.
      body = {
        StatusSNS: {
          Time: new Date(clock.now()).toISOString().slice(0, 19),
          ENERGY: { TotalStartTime: '2026-01-01T00:00:00', Total: round(totalWh / 1000, 3), Yesterday: 0, Today: 0, Power: Math.round(w), Voltage: 230, Current: round(w / 230, 3) },
        },
      };
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    watts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
