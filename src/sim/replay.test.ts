import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../test/helpers/sim-fixtures.js';
import { GolemPaymentStatusSchema, GolemPaymentsSchema } from '../adapters/golem-payments.js';
import { GLM_RECEIVED_METRIC, golemReceivedGlm, parsePrometheusText } from '../adapters/golem.adapter.js';
import { GrassDevicesSchema, GrassUserSchema } from '../adapters/grass.adapter.js';
import { createAdapter } from '../adapters/index.js';
import {
  MystActivityStatsSchema,
  MystAuthSchema,
  MystHealthcheckSchema,
  MystIdentitiesSchema,
  MystIdentitySchema,
  MystSessionListSchema,
  MystSessionsCountSchema,
} from '../adapters/mysterium.adapter.js';
import { StorjEstimatedPayoutSchema, StorjSatelliteSchema, StorjSnoSchema } from '../adapters/storj.adapter.js';
import { StreamrInfoSchema } from '../adapters/streamr.adapter.js';
import { AdapterReadingSchema } from '../domain/sample.js';
import { VirtualClock } from '../lib/clock.js';
import { GOLEM_SIM_APP_KEY } from './golem.sim.js';
import { GRASS_SIM_TOKEN } from './grass.sim.js';
import { type SimulatorsHandle, startSimulators } from './index.js';
import { MYST_SIM_IDENTITY } from './mysterium.sim.js';

/**
 * Contract (issue 14, must-hold 7): the real bodies in fixtures/ replay through the simulators' routes. For each
 * fixture, the real body and the simulator's answer on the same route both pass the very schema the adapter reads that
 * route with; then each adapter reads its simulator, through every route it uses, and gets sane values. A simulator
 * missing a route a real node serves, or answering a shape the adapter would refuse, fails here.
 */

const clock = new VirtualClock(Date.UTC(2026, 10, 15, 5));
let sims: SimulatorsHandle;
beforeAll(async () => {
  sims = await startSimulators({ seed: 5, clock });
  await clock.advance(2 * 3_600_000);
});
afterAll(() => sims.close());

const url = (name: string, path: string) => `${sims.sims.get(name)!.url}${path}`;

async function mystToken(): Promise<string> {
  const res = await fetch(url('mysterium', '/auth/authenticate'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'myst', password: 'mystberry' }),
  });
  return ((await res.json()) as { token: string }).token;
}

const golemKey = async () => ({ authorization: `Bearer ${GOLEM_SIM_APP_KEY}` });
const myst = async () => ({ authorization: `Bearer ${await mystToken()}` });
const grass = async () => ({ authorization: GRASS_SIM_TOKEN });

interface Replay {
  sim: string;
  fixture: string;
  path: string;
  schema: TSchema;
  headers?: () => Promise<Record<string, string>>;
  post?: unknown;
}

const SATELLITE = '12EayRS2V1kEsWESU9QMRseFhdxYxKicsiFmxrsLZHeLUtdps3S';
const REPLAYS: Replay[] = [
  { sim: 'storj', fixture: 'storj/real-v1.71.2/sno.json', path: '/api/sno/', schema: StorjSnoSchema },
  { sim: 'storj', fixture: 'storj/real-v1.48.2/sno.json', path: '/api/sno/', schema: StorjSnoSchema },
  { sim: 'storj', fixture: 'storj/sno.cashpilot-partial.json', path: '/api/sno/', schema: StorjSnoSchema },
  { sim: 'storj', fixture: 'storj/real-v1.71.2/payout.json', path: '/api/sno/estimated-payout', schema: StorjEstimatedPayoutSchema },
  { sim: 'storj', fixture: 'storj/real-v1.48.2/payout.json', path: '/api/sno/estimated-payout', schema: StorjEstimatedPayoutSchema },
  { sim: 'storj', fixture: 'storj/estimated-payout.young-node.assembled.json', path: '/api/sno/estimated-payout', schema: StorjEstimatedPayoutSchema },
  { sim: 'storj', fixture: 'storj/estimated-payout.cashpilot-partial.json', path: '/api/sno/estimated-payout', schema: StorjEstimatedPayoutSchema },
  { sim: 'storj', fixture: 'storj/real-v1.71.2/satellite.json', path: `/api/sno/satellite/${SATELLITE}`, schema: StorjSatelliteSchema },
  { sim: 'storj', fixture: 'storj/real-v1.48.2/satellite.json', path: `/api/sno/satellite/${SATELLITE}`, schema: StorjSatelliteSchema },
  { sim: 'golem', fixture: 'golem/payments.assembled.json', path: '/payment-api/v1/payments?timeout=0', schema: GolemPaymentsSchema, headers: golemKey },
  { sim: 'golem', fixture: 'golem/payments-status.healthy.assembled.json', path: '/payment-api/v1/payments/status', schema: GolemPaymentStatusSchema, headers: golemKey },
  { sim: 'mysterium', fixture: 'mysterium/auth-authenticate.swagger-example.json', path: '/auth/authenticate', schema: MystAuthSchema, post: { username: 'myst', password: 'mystberry' } },
  { sim: 'mysterium', fixture: 'mysterium/identities-list.json', path: '/identities', schema: MystIdentitiesSchema, headers: myst },
  { sim: 'mysterium', fixture: 'mysterium/identity-get.json', path: `/identities/${MYST_SIM_IDENTITY}`, schema: MystIdentitySchema, headers: myst },
  { sim: 'mysterium', fixture: 'mysterium/activity-stats.assembled.json', path: '/node/provider/activity-stats', schema: MystActivityStatsSchema, headers: myst },
  { sim: 'mysterium', fixture: 'mysterium/healthcheck.json', path: '/healthcheck', schema: MystHealthcheckSchema },
  { sim: 'streamr', fixture: 'streamr/info.assembled.json', path: '/info', schema: StreamrInfoSchema },
  { sim: 'grass', fixture: 'grass/retrieveUser.cashpilot-partial.json', path: '/retrieveUser', schema: GrassUserSchema, headers: grass },
  { sim: 'grass', fixture: 'grass/activeDevices.cashpilot-partial.json', path: '/activeDevices', schema: GrassDevicesSchema, headers: grass },
];

function schemaErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].slice(0, 5).map((e) => `${e.path || '(root)'}: ${e.message}`);
}

describe('real bodies replay through the simulators\' routes', () => {
  for (const r of REPLAYS) {
    it(`${r.sim} ${r.path.split('?')[0]}: ${r.fixture} and the simulator's answer pass the adapter's schema`, async () => {
      expect(schemaErrors(r.schema, JSON.parse(fixtureText(r.fixture))), `the real body ${r.fixture}`).toEqual([]);
      const res = await fetch(url(r.sim, r.path), {
        method: r.post ? 'POST' : 'GET',
        headers: { ...(r.post ? { 'content-type': 'application/json' } : {}), ...((await r.headers?.()) ?? {}) },
        body: r.post ? JSON.stringify(r.post) : undefined,
      });
      expect(res.status, `${r.sim} ${r.path}`).toBe(200);
      expect(schemaErrors(r.schema, await res.json()), `the simulator's ${r.path}`).toEqual([]);
    });
  }

  it('golem /metrics-api/v1/expose: the recorded exposition and the simulator\'s both parse, with the same payment series', async () => {
    const real = parsePrometheusText(fixtureText('golem/metrics-expose.assembled.txt'));
    const served = parsePrometheusText(await (await fetch(url('golem', '/metrics-api/v1/expose'))).text());
    const series = (s: ReturnType<typeof parsePrometheusText>) =>
      s.filter((x) => x.name === GLM_RECEIVED_METRIC).map((x) => x.labels.platform).sort();
    expect(series(served)).toEqual(series(real));
    expect(golemReceivedGlm(served)).toBeGreaterThanOrEqual(0);
    for (const name of new Set(real.map((x) => x.name))) expect(served.some((x) => x.name === name), name).toBe(true);
  });

  it('mysterium sessions: its own history (active = provided, not ended) and the 24 h count have the upstream contract shapes', async () => {
    const active = await fetch(url('mysterium', '/sessions?direction=Provided&status=New&page_size=1'), { headers: await myst() });
    expect(schemaErrors(MystSessionListSchema, await active.json())).toEqual([]);
    const count = await fetch(url('mysterium', '/node/provider/sessions-count?range=1d'), { headers: await myst() });
    expect(schemaErrors(MystSessionsCountSchema, await count.json())).toEqual([]);
  });
});

describe('each adapter reading its simulator', () => {
  it('reads every route it needs and gets sane values: connected, a finite non-negative counter, health, no failed source', async () => {
    expect(sims.protocols.map((p) => p.type).sort()).toEqual(['golem', 'grass', 'http-json', 'mysterium', 'storj', 'streamr']);
    for (const config of sims.protocols) {
      const adapter = createAdapter(config, { baseDir: '/', clock });
      const r = await adapter.read(AbortSignal.timeout(5_000));
      expect(schemaErrors(AdapterReadingSchema, r), config.name).toEqual([]);
      expect(r.connected, config.name).toBe(true);
      expect(r.cumulativeTokens, config.name).toEqual(expect.any(Number));
      expect(Number.isFinite(r.cumulativeTokens) && r.cumulativeTokens! >= 0, config.name).toBe(true);
      // A source the adapter reads and the simulator lacks shows up as a problem (404): none may.
      const failed = (r.health?.problems ?? []).filter((p) => /unavailable|not found|404/i.test(`${p.code} ${p.message}`));
      expect(failed, config.name).toEqual([]);
      // The optional sources were read too (a silent miss would leave these out).
      const h = r.health ?? { problems: [] };
      if (config.type === 'storj') expect(h.satellites?.every((x) => x.auditScore !== null), 'storj satellite scores').toBe(true);
      if (config.type === 'golem') expect(h.version, 'golem /version/get').toEqual(expect.any(String));
      if (config.type === 'mysterium') {
        expect(h, 'mysterium extras').toMatchObject({ version: expect.any(String), quality: expect.any(Number), activeSessions: expect.any(Number), sessions24h: expect.any(Number) });
      }
      if (config.type === 'grass') expect(h.ipScore, 'grass ip score').toEqual(expect.any(Number));
    }
  });
});
