/**
 * Issue 17: net earnings wherever history goes. With energy accounting on, the export (JSON and CSV) carries power,
 * power cost and net per protocol row, and GET metrics/history?net=true carries them per point, raw and downsampled;
 * a range with no energy accounted has no net columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 1);

interface NetRow {
  time: string;
  protocol: string;
  usdPerHour: number;
  powerWatts: number | null;
  powerCostUsdPerHour: number | null;
  netUsdPerHour: number | null;
  powerEstimated: boolean | null;
}

let orcha: TestOrcha;

beforeAll(async () => {
  orcha = await startTestOrcha({
    // Energy from declared watts (no meter), a stored point at every minute's poll.
    config: { energy: { enabled: true, recordInterval: 60, pricePerKwh: 0.3, estimate: { idleWatts: 20, maxWatts: 80 } } },
    warmPolls: 0,
  });
  for (let i = 0; i < 70; i++) await orcha.poll(MINUTE);
}, 120_000);

afterAll(async () => {
  await orcha?.close();
});

const range = (from: number, to: number) => `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;

function expectNet(rows: NetRow[]): void {
  const known = rows.filter((r) => r.powerCostUsdPerHour !== null);
  // Every row but those of the first poll (no stored window holds it) has its power and net.
  expect(known.length).toBeGreaterThanOrEqual(rows.length - 6);
  for (const r of known) {
    expect(r.powerWatts, r.protocol).toBeGreaterThan(0);
    expect(r.powerCostUsdPerHour, r.protocol).toBeGreaterThan(0);
    expect(r.netUsdPerHour!, r.protocol).toBeCloseTo(r.usdPerHour - r.powerCostUsdPerHour!, 9);
    expect(r.powerEstimated).toBe(true);
  }
  // The host's declared draw (20 W idle at least) is all attributed: the protocols' watts add up to 20-80 W.
  const at = known.filter((r) => r.time === known[known.length - 1]!.time);
  const watts = at.reduce((s, r) => s + r.powerWatts!, 0);
  expect(watts).toBeGreaterThanOrEqual(20);
  expect(watts).toBeLessThanOrEqual(80);
}

describe('net earnings in exports and metrics history', () => {
  it('GET export as JSON and CSV carries power, power cost and net per row', async () => {
    const q = range(START, START + 70 * MINUTE);
    const json = (await (await fetch(`${orcha.url}/api/v1/export?format=json&${q}`)).json()) as NetRow[];
    expect(json.length).toBeGreaterThanOrEqual(6 * 60);
    expectNet(json);

    const csv = await (await fetch(`${orcha.url}/api/v1/export?format=csv&${q}`)).text();
    const [header, ...lines] = csv.trim().split('\n');
    const columns = header!.split(',');
    expect(columns.slice(-4)).toEqual(['powerWatts', 'powerCostUsdPerHour', 'netUsdPerHour', 'powerEstimated']);
    const rows = lines.map((line) => {
      const cells = Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v]));
      const num = (v: string | undefined) => (v === '' || v === undefined ? null : Number(v));
      return {
        time: cells.time!,
        protocol: cells.protocol!,
        usdPerHour: Number(cells.usdPerHour),
        powerWatts: num(cells.powerWatts),
        powerCostUsdPerHour: num(cells.powerCostUsdPerHour),
        netUsdPerHour: num(cells.netUsdPerHour),
        powerEstimated: cells.powerEstimated === '' ? null : cells.powerEstimated === 'true',
      };
    });
    expect(rows).toHaveLength(json.length);
    expectNet(rows);
  });

  it('an export of a range without energy accounting has no net columns', async () => {
    const csv = await (await fetch(`${orcha.url}/api/v1/export?format=csv&${range(START - 3_600_000, START - 1)}`)).text();
    expect(csv.trim()).not.toContain('netUsdPerHour');
  });

  it('GET metrics/history?net=true carries them per point, raw and by hour; without net it does not', async () => {
    const q = range(START, START + 70 * MINUTE);
    const raw = (await (await fetch(`${orcha.url}/api/v1/metrics/history?net=true&${q}`)).json()) as { stepSeconds: number | null; protocols: NetRow[] };
    expect(raw.stepSeconds).toBeNull();
    expectNet(raw.protocols);

    const hourly = (await (await fetch(`${orcha.url}/api/v1/metrics/history?net=true&step=1h&${q}`)).json()) as { protocols: NetRow[] };
    const first = hourly.protocols.filter((p) => p.time === new Date(START).toISOString());
    expect(first).toHaveLength(6);
    for (const p of first) {
      expect(p.powerCostUsdPerHour).toBeGreaterThan(0);
      expect(p.netUsdPerHour!).toBeCloseTo(p.usdPerHour - p.powerCostUsdPerHour!, 9);
    }

    const plain = (await (await fetch(`${orcha.url}/api/v1/metrics/history?${q}`)).json()) as { protocols: Record<string, unknown>[] };
    expect(plain.protocols[0]).not.toHaveProperty('netUsdPerHour');
    const bad = await fetch(`${orcha.url}/api/v1/metrics/history?net=maybe&${q}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/net/);
  });
});
