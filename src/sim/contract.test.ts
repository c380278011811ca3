import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../test/helpers/sim-fixtures.js';
import { VirtualClock } from '../lib/clock.js';
import { GOLEM_SIM_APP_KEY } from './golem.sim.js';
import { GRASS_SIM_TOKEN } from './grass.sim.js';
import { type SimulatorsHandle, startSimulators } from './index.js';
import { MYST_SIM_IDENTITY } from './mysterium.sim.js';

/**
 * Contract: each simulator route answers in the shape of the real body recorded for it (fixtures/): every field path
 * of the real body is present in the simulator's answer (arrays compared by their items). A simulator drifting from the
 * real node (a field renamed, an object where the node serves an array) fails here, not in production.
 * replay.test.ts goes further: the real body and the simulator's answer each pass the adapter's own schema, and every
 * adapter reads its simulator to sane values.
 */

function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${prefix}[]`] : [...new Set(value.flatMap((v) => paths(v, `${prefix}[]`)))];
  if (value !== null && typeof value === 'object') {
    // Map keys that are addresses (Mysterium's earnings_per_hermes) are data, not field names.
    return Object.entries(value).flatMap(([key, v]) => {
      const k = /^0x[0-9a-fA-F]{40}$/.test(key) ? '<address>' : key;
      return [`${prefix}${prefix ? '.' : ''}${k}`, ...paths(v, `${prefix}${prefix ? '.' : ''}${k}`)];
    });
  }
  return [];
}

const clock = new VirtualClock(Date.UTC(2026, 10, 15, 5));
let sims: SimulatorsHandle;
beforeAll(async () => {
  sims = await startSimulators({ seed: 3, clock });
  await clock.advance(2 * 3_600_000);
});
afterAll(() => sims.close());

async function simJson(name: string, path: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`${sims.sims.get(name)!.url}${path}`, { headers });
  expect(res.status, `${name} ${path}`).toBe(200);
  return res.json();
}

async function mystToken(): Promise<string> {
  const res = await fetch(`${sims.sims.get('mysterium')!.url}/auth/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'myst', password: 'mystberry' }),
  });
  return ((await res.json()) as { token: string }).token;
}

/** Fields real nodes of some versions serve and the current struct dropped (fixtures/README.md). */
const VERSION_ONLY = new Set(['satellites[].currentStorageUsed', 'quicEnabled']);

describe('simulators serve the real shapes', () => {
  const cases: { name: string; fixture: string; path: string; headers?: () => Promise<Record<string, string>> }[] = [
    { name: 'storj', fixture: 'storj/real-v1.71.2/sno.json', path: '/api/sno/' },
    { name: 'storj', fixture: 'storj/real-v1.48.2/sno.json', path: '/api/sno/' },
    { name: 'storj', fixture: 'storj/real-v1.71.2/payout.json', path: '/api/sno/estimated-payout' },
    { name: 'storj', fixture: 'storj/estimated-payout.young-node.assembled.json', path: '/api/sno/estimated-payout' },
    { name: 'storj', fixture: 'storj/real-v1.71.2/satellite.json', path: '/api/sno/satellite/12EayRS2V1kEsWESU9QMRseFhdxYxKicsiFmxrsLZHeLUtdps3S' },
    { name: 'golem', fixture: 'golem/payments.assembled.json', path: '/payment-api/v1/payments?timeout=0', headers: async () => ({ authorization: `Bearer ${GOLEM_SIM_APP_KEY}` }) },
    { name: 'golem', fixture: 'golem/payments-status.healthy.assembled.json', path: '/payment-api/v1/payments/status', headers: async () => ({ authorization: `Bearer ${GOLEM_SIM_APP_KEY}` }) },
    { name: 'mysterium', fixture: 'mysterium/identity-get.json', path: `/identities/${MYST_SIM_IDENTITY}`, headers: async () => ({ authorization: `Bearer ${await mystToken()}` }) },
    { name: 'mysterium', fixture: 'mysterium/activity-stats.assembled.json', path: '/node/provider/activity-stats', headers: async () => ({ authorization: `Bearer ${await mystToken()}` }) },
    { name: 'mysterium', fixture: 'mysterium/healthcheck.json', path: '/healthcheck' },
    { name: 'streamr', fixture: 'streamr/info.assembled.json', path: '/info' },
    { name: 'grass', fixture: 'grass/retrieveUser.cashpilot-partial.json', path: '/retrieveUser', headers: async () => ({ authorization: GRASS_SIM_TOKEN }) },
    { name: 'grass', fixture: 'grass/activeDevices.cashpilot-partial.json', path: '/activeDevices', headers: async () => ({ authorization: GRASS_SIM_TOKEN }) },
  ];
  for (const c of cases) {
    it(`${c.name} ${c.path.split('?')[0]} has every field of ${c.fixture}`, async () => {
      const real = paths(JSON.parse(fixtureText(c.fixture))).filter((p) => !VERSION_ONLY.has(p));
      const served = new Set(paths(await simJson(c.name, c.path, (await c.headers?.()) ?? {})));
      // An empty array in the real body ([] driver problems) says only "an array": a served [] or items both match.
      const missing = real.filter((p) => !served.has(p) && !(p.endsWith('[]') && [...served].some((s) => s.startsWith(p))));
      expect(missing).toEqual([]);
    });
  }

  it('storj: a young node holds 75 %, and the estimate dips in the hour after a tally then recovers (mid-month correction)', async () => {
    const at = async () => (await simJson('storj', '/api/sno/estimated-payout')) as { currentMonth: { payout: number; held: number } };
    const now = await at();
    expect(now.currentMonth.held).toBeCloseTo(3 * now.currentMonth.payout, 4);
    // Advance to the next tally hour (UTC hours 0 and 12): the estimate reads lower, then higher again an hour later.
    const before = now.currentMonth.payout + now.currentMonth.held;
    const toTally = (12 - (new Date(clock.now()).getUTCHours() % 12)) * 3_600_000;
    await clock.advance(toTally);
    const dip = await at();
    await clock.advance(3_600_000);
    const after = await at();
    const gross = (m: { currentMonth: { payout: number; held: number } }) => m.currentMonth.payout + m.currentMonth.held;
    expect(gross(dip)).toBeLessThan(gross(after));
    expect(gross(after)).toBeGreaterThan(before);
  });

  it('mysterium: activity stats answer 500 while the quality service is down', async () => {
    const token = await mystToken();
    const hoursTo23 = (23 - new Date(clock.now()).getUTCHours() + 24) % 24;
    await clock.advance(hoursTo23 * 3_600_000);
    const res = await fetch(`${sims.sims.get('mysterium')!.url}/node/provider/activity-stats`, { headers: { authorization: `Bearer ${await mystToken()}` } });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('err_provider_activity_stats');
    expect(token).toBeTruthy();
  });
});
