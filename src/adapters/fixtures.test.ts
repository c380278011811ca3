import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { type BodyServer, fixtureText, serveBodies, withField } from '../../test/helpers/sim-fixtures.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../config/schema.js';
import { VirtualClock } from '../lib/clock.js';
import { parseBody } from './http.js';
import { createAdapter } from './index.js';
import { MystIdentitySchema, MystTokensSchema } from './mysterium.adapter.js';
import { fromBaseUnits } from './units.js';

/** Each adapter against the real bodies in fixtures/ (served by a local server), then with one field broken. */

const clock = new VirtualClock();
let server: BodyServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const cfg = (raw: Record<string, unknown>): ProtocolConfig => Value.Default(ProtocolConfigSchema, raw) as ProtocolConfig;
const json = (body: string, status = 200) => ({ body, status });

async function readWith(config: Record<string, unknown>, routes: Record<string, { body: string; status?: number }>) {
  server = await serveBodies(routes);
  const adapter = createAdapter(cfg({ ...config, endpoint: server.url }), { baseDir: '/', clock });
  return adapter.read(AbortSignal.timeout(2_000));
}

describe('storj fixtures', () => {
  const sno = fixtureText('storj/sno.cashpilot-partial.json');
  const payout = fixtureText('storj/estimated-payout.cashpilot-partial.json');
  const routes = (p = payout, s = sno) => ({ '/api/sno/': json(s), '/api/sno/estimated-payout': json(p) });

  it('reads the partial bodies: cents summed to USD, a never-pinged node flagged', async () => {
    const r = await readWith({ name: 's', type: 'storj' }, routes());
    expect(r.cumulativeTokens).toBeCloseTo(2.5);
    expect(r.token).toBe('USD');
    expect(r.info).toMatchObject({ neverPinged: true, quicStatus: 'OK', satellites: 0 });
  });

  it('names the missing or mistyped field', async () => {
    await expect(readWith({ name: 's', type: 'storj' }, routes(withField(payout, 'currentMonth.diskSpacePayout')))).rejects.toThrow(
      'estimated-payout: currentMonth.diskSpacePayout: is required',
    );
    await server?.close();
    await expect(readWith({ name: 's', type: 'storj' }, routes(withField(payout, 'currentMonth.egressBandwidthPayout', '75')))).rejects.toThrow(
      'estimated-payout: currentMonth.egressBandwidthPayout: Expected number',
    );
    await server?.close();
    await expect(readWith({ name: 's', type: 'storj' }, routes(payout, withField(sno, 'lastPinged')))).rejects.toThrow('sno: lastPinged: is required');
  });
});

describe('mysterium fixtures', () => {
  const identity = fixtureText('mysterium/identity-get.json');
  // No real activity-stats body exists (fixtures/README.md); this one follows the contract struct's field names.
  const activity = '{"online_percent": 97.5, "active_percent": 12.5}';
  const routes = (id = identity) => ({
    '/auth/authenticate': json(fixtureText('mysterium/auth-authenticate.swagger-example.json')),
    '/identities': json(fixtureText('mysterium/identities-list.json')),
    '/identities/0x000000000000000000000000000000000000000a': json(id),
    '/node/provider/activity-stats': json(activity),
    '/healthcheck': json(fixtureText('mysterium/healthcheck.json')),
  });

  it('logs in, takes the first identity and reads earnings_total_tokens.wei exactly', async () => {
    const r = await readWith({ name: 'm', type: 'mysterium' }, routes());
    expect(r.cumulativeTokens).toBe(100 / 1e18);
    expect(r.uptime).toBeCloseTo(0.975);
    expect(r.info).toMatchObject({ identity: '0x000000000000000000000000000000000000000a', registration: 'Registered' });
  });

  it('names the missing or mistyped field', async () => {
    await expect(readWith({ name: 'm', type: 'mysterium' }, routes(withField(identity, 'earnings_total_tokens.wei')))).rejects.toThrow(
      'identity: earnings_total_tokens.wei: is required',
    );
    await server?.close();
    await expect(readWith({ name: 'm', type: 'mysterium' }, routes(withField(identity, 'earnings_total_tokens.wei', 100)))).rejects.toThrow(
      'identity: earnings_total_tokens.wei: Expected string',
    );
  });

  it('parses every Tokens object exactly through BigInt, including amounts past 2^53', () => {
    const all = JSON.parse(fixtureText('mysterium/tokens-objects.json')) as unknown[];
    for (const t of all) {
      const tokens = parseBody(MystTokensSchema, t, 'tokens');
      expect(fromBaseUnits(tokens.wei, 18, 'wei')).toBeCloseTo(Number(tokens.ether), 12);
    }
    expect(parseBody(MystIdentitySchema, JSON.parse(identity), 'identity').earnings_total_tokens.wei).toBe('100');
  });

  it('an error body with HTTP 400 is an HTTP error, not a reading', async () => {
    const r = routes();
    r['/identities/0x000000000000000000000000000000000000000a'] = json(fixtureText('mysterium/error-400-validation-failed.json'), 400);
    await expect(readWith({ name: 'm', type: 'mysterium' }, r)).rejects.toMatchObject({ code: 'ORCHA_ERR_ADAPTER_HTTP' });
  });
});

describe('grass fixtures', () => {
  const user = fixtureText('grass/retrieveUser.cashpilot-partial.json');
  const devices = fixtureText('grass/activeDevices.cashpilot-partial.json');
  const routes = (u = user, d = devices) => ({ '/retrieveUser': json(u), '/activeDevices': json(d) });
  const config = { name: 'g', type: 'grass', credentials: { token: 't' } };

  it('reads points and devices', async () => {
    const r = await readWith(config, routes());
    expect(r.cumulativeTokens).toBe(420);
    expect(r.token).toBe('GRASS');
    expect(r.info).toMatchObject({ devices: 1, aggUptimeSeconds: 3600, ipScore: 80 });
  });

  it('names the missing or mistyped field', async () => {
    await expect(readWith(config, routes(withField(user, 'result.data.totalPoints')))).rejects.toThrow('retrieveUser: result.data.totalPoints: is required');
    await server?.close();
    await expect(readWith(config, routes(withField(user, 'result.data.totalPoints', '420')))).rejects.toThrow(
      'retrieveUser: result.data.totalPoints: Expected number',
    );
  });
});

describe('http-json fixtures (cloud balances)', () => {
  const cases = [
    { file: 'honeygain/balances.cashpilot-partial.json', path: '/api/v1/users/balances', field: 'data.payout.usd_cents', scale: 0.01, expected: 123.45, token: 'USD' },
    { file: 'earnapp/money.cashpilot-partial.json', path: '/dashboard/api/money', field: 'balance', scale: 1, expected: 1.23, token: 'USD' },
    { file: 'traffmonetizer/get_balance.cashpilot-partial.json', path: '/api/app_user/get_balance', field: 'data.balance', scale: 1, expected: 9.99, token: 'USD' },
    { file: 'mystnodes-cloud/total-earnings.cashpilot-partial.json', path: '/api/v2/node/total-earnings', field: 'earningsTotal', scale: 1, expected: 12.5, token: 'MYST' },
  ];
  for (const c of cases) {
    it(`${c.file}: reads ${c.field}, and names it when removed or mistyped`, async () => {
      const body = fixtureText(c.file);
      const config = { name: 'h', type: 'http-json', token: c.token, mapping: { path: c.path, earnings: c.field, scale: c.scale } };
      const r = await readWith(config, { [c.path]: json(body) });
      expect(r.cumulativeTokens).toBeCloseTo(c.expected, 9);
      expect(r.token).toBe(c.token);
      await server?.close();
      await expect(readWith(config, { [c.path]: json(withField(body, c.field)) })).rejects.toThrow(`${c.field}: is required`);
      await server?.close();
      await expect(readWith(config, { [c.path]: json(withField(body, c.field, 'x')) })).rejects.toThrow(`${c.field}: Expected number`);
    });
  }
});

describe('golem exposition (no real body exists; the format is the one fixtures/README.md verified)', () => {
  const text = [
    '# metrics snapshot (ts=1700000000) (prometheus exposition format)',
    '# TYPE payment_amount_received counter',
    'payment_amount_received{platform="erc20-polygon-glm"} 1500000000',
    'payment_amount_received{platform="erc20-mainnet-glm"} 250000000',
    '# TYPE payment_invoices_provider_paid counter',
    'payment_invoices_provider_paid 3',
    '',
  ].join('\n');
  const path = '/metrics-api/v1/expose';

  it('sums payment_amount_received over platforms and divides by 1e9', async () => {
    const r = await readWith({ name: 'g', type: 'golem' }, { [path]: { body: text } });
    expect(r.cumulativeTokens).toBeCloseTo(1.75, 9);
    expect(r.token).toBe('GLM');
  });

  it('a provider never paid reads zero; paid invoices without the counter is a schema error naming it', async () => {
    const never = '# metrics snapshot (ts=1) (prometheus exposition format)\n# TYPE market_agreements_provider_approved counter\nmarket_agreements_provider_approved 0\n';
    expect((await readWith({ name: 'g', type: 'golem' }, { [path]: { body: never } })).cumulativeTokens).toBe(0);
    await server?.close();
    const renamed = text.replaceAll('payment_amount_received{', 'payment_amount_received_glm{');
    await expect(readWith({ name: 'g', type: 'golem' }, { [path]: { body: renamed } })).rejects.toThrow('metrics: payment_amount_received: is required');
    await server?.close();
    await expect(readWith({ name: 'g', type: 'golem' }, { [path]: { body: text.replace('1500000000', '1.5e9GLM') } })).rejects.toThrow(
      /metrics: line 3: not a Prometheus sample/,
    );
  });
});

describe('mysterium session', () => {
  it('caches the token until expires_at and logs in again once on a 401', async () => {
    const auth = JSON.stringify({ token: 'tok', expires_at: '2030-01-01T00:00:00Z' });
    server = await serveBodies({
      '/auth/authenticate': { body: auth },
      '/identities': { body: fixtureText('mysterium/identities-list.json') },
      '/identities/0x000000000000000000000000000000000000000a': { body: fixtureText('mysterium/identity-get.json') },
      '/node/provider/activity-stats': { body: '{"online_percent": null, "active_percent": null}' },
      '/healthcheck': { body: fixtureText('mysterium/healthcheck.json') },
    });
    const adapter = createAdapter(cfg({ name: 'm', type: 'mysterium', endpoint: server.url }), { baseDir: '/', clock });
    await adapter.read(AbortSignal.timeout(2_000));
    await adapter.read(AbortSignal.timeout(2_000));
    expect(server.hits('/auth/authenticate')).toBe(1);
    // The identity is read again at its cadence (5 min); the node now refuses the token.
    await clock.advance(300_000);
    server.set('/identities/0x000000000000000000000000000000000000000a', { status: 401, body: '{"error":{"code":"unauthorized"}}' });
    await expect(adapter.read(AbortSignal.timeout(2_000))).rejects.toMatchObject({ code: 'ORCHA_ERR_ADAPTER_AUTH' });
    expect(server.hits('/auth/authenticate')).toBe(2);
  });
});
