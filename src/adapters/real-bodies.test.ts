import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { type Handler, type RecordedRequest, type RecordingServer, recordingServer } from '../../test/helpers/recording-server.js';
import { fixtureText } from '../../test/helpers/sim-fixtures.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../config/schema.js';
import { AdapterReadingSchema } from '../domain/sample.js';
import { VirtualClock } from '../lib/clock.js';
import { handleIndexerQuery, handleJsonRpc } from '../sim/streamr-chain.sim.js';
import { createAdapter } from './index.js';

/**
 * Every adapter against the real bodies in fixtures/ (captures from live nodes where they exist), value by value
 * against what the node's own UI shows. The node is a local server that also records what the adapter sent.
 */

const clock = new VirtualClock(Date.parse('2026-12-02T05:00:00Z'));
let server: RecordingServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const cfg = (raw: Record<string, unknown>): ProtocolConfig => Value.Default(ProtocolConfigSchema, raw) as ProtocolConfig;
const body = (text: string, status = 200): Handler => () => ({ body: text, status });

async function read(config: Record<string, unknown>, routes: Record<string, Handler>) {
  server = await recordingServer(routes);
  const adapter = createAdapter(cfg({ ...config, endpoint: server.url }), { baseDir: '/', clock });
  const reading = await adapter.read(AbortSignal.timeout(3_000));
  expect(Value.Check(AdapterReadingSchema, reading)).toBe(true);
  return reading;
}

describe('storj: captures from live nodes 1.48.2 and 1.71.2, and a young node', () => {
  const routes = (version: string, payout = fixtureText(`storj/real-v${version}/payout.json`)) => {
    const satellite = fixtureText(`storj/real-v${version}/satellite.json`);
    const id = (JSON.parse(satellite) as { id: string }).id;
    return {
      '/api/sno/': body(fixtureText(`storj/real-v${version}/sno.json`)),
      '/api/sno/estimated-payout': body(payout),
      [`/api/sno/satellite/${id}`]: body(satellite),
    };
  };

  it('1.48.2: the UI\'s "Current Month Earnings" $6.1785 (payout 617.85 c + held 0), quicEnabled read as QUIC state, scores of the satellite read', async () => {
    const r = await read({ name: 's', type: 'storj' }, routes('1.48.2'));
    expect(r.token).toBe('USD');
    expect(r.cumulativeTokens).toBeCloseTo(6.1785, 10);
    expect(r.counterRule).toBe('month');
    expect(r.period).toBe('2026-12');
    expect(r.previousPeriodTokens).toBeCloseTo(8.4377, 10);
    expect(r.resources.storageBytes).toBe(3494324971648);
    const h = r.health!;
    expect(h).toMatchObject({ version: '1.48.2', upToDate: true, minimumVersion: '1.24.0', quic: 'Disabled', heldTokens: 0 });
    expect(h.satellites).toHaveLength(6);
    expect(h.satellites!.every((s) => s.disqualified === null && s.suspended === null)).toBe(true);
    const us2 = h.satellites!.find((s) => s.url === 'us2.storj.io:7777')!;
    expect(us2).toMatchObject({ id: '12tRQrMTWUWwzwGh18i7Fqs67kmdhH9t6aToeiwbo5mfS2rUmo', auditScore: 1, suspensionScore: 1 });
    expect(us2.onlineScore).toBeCloseTo(0.9876587609920943, 15);
    // The other five satellites' pages were not captured: their scores are unknown, not perfect.
    expect(h.satellites!.filter((s) => s.auditScore === null)).toHaveLength(5);
    expect(h.problems.map((p) => p.code)).toContain('satellite-scores-unavailable');
    expect(h.problems.map((p) => p.code)).toContain('quic-misconfigured');
  });

  it('1.71.2: $1.6449, QUIC "Misconfigured" is a problem, up to date', async () => {
    const r = await read({ name: 's', type: 'storj' }, routes('1.71.2'));
    expect(r.cumulativeTokens).toBeCloseTo(1.6449, 10);
    expect(r.previousPeriodTokens).toBeCloseTo(6.5449, 10);
    expect(r.resources.storageBytes).toBe(3381577296000);
    expect(r.health).toMatchObject({ version: '1.71.2', upToDate: true, quic: 'Misconfigured', heldTokens: 0 });
    expect(r.health!.problems).toContainEqual({ code: 'quic-misconfigured', message: 'QUIC: Misconfigured', severity: 'warning' });
    expect(r.health!.satellites!.find((s) => s.url === 'us2.storj.io:7777')!.onlineScore).toBeCloseTo(0.9994903307112822, 15);
    expect(r.info).toMatchObject({ quicStatus: 'Misconfigured', satellites: 6, heldUsd: 0 });
  });

  it('a young node (75 % held): earnings are gross payout + held = $1.6452, held $1.2339 reported separately', async () => {
    const r = await read({ name: 's', type: 'storj' }, routes('1.71.2', fixtureText('storj/estimated-payout.young-node.assembled.json')));
    expect(r.cumulativeTokens).toBeCloseTo((41.13 + 123.39) / 100, 10);
    expect(r.health!.heldTokens).toBeCloseTo(1.2339, 10);
    expect(r.info!.heldUsd).toBeCloseTo(1.2339, 10);
  });

  it('a disqualified or suspended satellite is a critical problem naming it', async () => {
    const sno = JSON.parse(fixtureText('storj/real-v1.71.2/sno.json')) as { satellites: { disqualified: string | null; suspended: string | null }[] };
    sno.satellites[0]!.disqualified = '2023-02-01T00:00:00Z';
    sno.satellites[1]!.suspended = '2023-02-02T00:00:00Z';
    const r = await read({ name: 's', type: 'storj' }, { ...routes('1.71.2'), '/api/sno/': body(JSON.stringify(sno)) });
    expect(r.health!.problems).toContainEqual({ code: 'satellite-disqualified', message: 'us2.storj.io:7777: disqualified since 2023-02-01T00:00:00Z', severity: 'critical' });
    expect(r.health!.problems).toContainEqual({ code: 'satellite-suspended', message: 'saltlake.tardigrade.io:7777: suspended since 2023-02-02T00:00:00Z', severity: 'critical' });
  });

  it('reads the payout estimate at its own cadence (earningsInterval), the node summary every poll', async () => {
    server = await recordingServer(routes('1.71.2'));
    const adapter = createAdapter(cfg({ name: 's', type: 'storj', endpoint: server.url, earningsInterval: 600 }), { baseDir: '/', clock });
    await adapter.read(AbortSignal.timeout(3_000));
    await clock.advance(60_000);
    await adapter.read(AbortSignal.timeout(3_000));
    const count = (p: string) => server!.requests.filter((r) => r.path === p).length;
    expect(count('/api/sno/')).toBe(2);
    expect(count('/api/sno/estimated-payout')).toBe(1);
    await clock.advance(600_000);
    await adapter.read(AbortSignal.timeout(3_000));
    expect(count('/api/sno/estimated-payout')).toBe(2);
  });
});

describe('golem: yagna 0.17-shaped bodies', () => {
  const metrics = fixtureText('golem/metrics-expose.assembled.txt');
  const expose: Handler = () => ({ body: metrics, contentType: 'text/plain' });

  it('without an app key: the mainnet counter only (1.23456789 GLM), testnets excluded, and health says what is missing', async () => {
    const withTestGlm = metrics.replace('payment_amount_received{platform="erc20-holesky-tglm"} 0', 'payment_amount_received{platform="erc20-holesky-tglm"} 5000000000');
    const r = await read({ name: 'g', type: 'golem' }, { '/metrics-api/v1/expose': () => ({ body: withTestGlm, contentType: 'text/plain' }) });
    expect(r.cumulativeTokens).toBeCloseTo(1.23456789, 12);
    expect(r.counterRule).toBe('restart');
    expect(r.info).toMatchObject({ testnetReceivedGlm: 5, payment_invoices_provider_paid: 3 });
    expect(r.health!.problems.map((p) => p.code)).toEqual(['no-app-key']);
  });

  it('with an app key: healthy drivers ([]), lasting total from /payments asked with timeout=0, the key sent as Bearer', async () => {
    const r = await read(
      { name: 'g', type: 'golem', credentials: { token: 'app-key' } },
      {
        '/metrics-api/v1/expose': expose,
        '/payment-api/v1/payments/status': body(fixtureText('golem/payments-status.healthy.assembled.json')),
        '/payment-api/v1/payments': body(fixtureText('golem/payments.assembled.json')),
      },
    );
    expect(r.cumulativeTokens).toBeCloseTo(1.23456789, 12);
    expect(r.counterRule).toBe('total');
    expect(r.health!.problems).toEqual([]);
    const paymentsCalls = server!.requests.filter((q) => q.path === '/payment-api/v1/payments');
    expect(paymentsCalls[0]!.query.get('timeout')).toBe('0');
    expect(paymentsCalls[0]!.headers.authorization).toBe('Bearer app-key');
  });

  it('driver problems become health reasons; pages continue after the last timestamp; testnet payments do not count', async () => {
    const page1 = [
      { paymentId: 'a', paymentPlatform: 'erc20-polygon-glm', amount: '1.5', timestamp: '2026-11-30T12:00:00Z' },
      { paymentId: 't', paymentPlatform: 'erc20-holesky-tglm', amount: '5', timestamp: '2026-11-30T12:30:00Z' },
    ];
    const page2 = [{ paymentId: 'b', paymentPlatform: 'erc20-mainnet-glm', amount: '0.25', timestamp: '2026-12-01T08:00:00Z' }];
    let served = page1;
    server = await recordingServer({
      '/metrics-api/v1/expose': expose,
      '/payment-api/v1/payments/status': body('[{"kind":"InsufficientGas","driver":"erc20","network":"polygon","neededGasEst":"0.01"}]'),
      '/payment-api/v1/payments': (q) => ({ body: JSON.stringify(served.filter((p) => !q.query.get('afterTimestamp') || p.timestamp > q.query.get('afterTimestamp')!)) }),
    });
    const local = new VirtualClock(Date.parse('2026-12-02T05:00:00Z'));
    const adapter = createAdapter(cfg({ name: 'g', type: 'golem', endpoint: server.url, credentials: { token: 'k' } }), { baseDir: '/', clock: local });
    const first = await adapter.read(AbortSignal.timeout(3_000));
    expect(first.cumulativeTokens).toBeCloseTo(1.5, 12);
    expect(first.health!.problems).toEqual([{ code: 'InsufficientGas', message: 'payment driver erc20 on polygon: InsufficientGas', severity: 'critical' }]);
    served = [...page1, ...page2];
    // The payment list at its cadence (5 min by default), the drivers' problems (health) at every poll.
    const count = (p: string) => server!.requests.filter((q) => q.path === p).length;
    await local.advance(60_000);
    expect((await adapter.read(AbortSignal.timeout(3_000))).cumulativeTokens).toBeCloseTo(1.5, 12);
    expect(count('/payment-api/v1/payments/status')).toBe(2);
    expect(count('/payment-api/v1/payments')).toBe(1);
    await local.advance(240_000);
    const second = await adapter.read(AbortSignal.timeout(3_000));
    expect(second.cumulativeTokens).toBeCloseTo(1.75, 12);
    const last = server.requests.filter((q) => q.path === '/payment-api/v1/payments').at(-1)!;
    expect(last.query.get('afterTimestamp')).toBe('2026-11-30T12:30:00Z');
  });
});

describe('mysterium: optional extras never block earnings', () => {
  const routes = (activity: Handler, quality: Handler) => ({
    '/auth/authenticate': body(fixtureText('mysterium/auth-authenticate.swagger-example.json')),
    '/identities': body(fixtureText('mysterium/identities-list.json')),
    '/identities/0x000000000000000000000000000000000000000a': body(fixtureText('mysterium/identity-get.json')),
    '/node/provider/activity-stats': activity,
    '/node/provider/quality': quality,
    // Shapes from mysteriumnetwork/node tequilapi/contract (session.go + paging.go; node.go ProviderSessionsCountResponse).
    '/sessions': (q: RecordedRequest) => body(`{"items":[],"paging":{"total_items":${q.query.get('status') === 'New' ? 2 : 57},"total_pages":1,"current_page":1,"previous_page":null,"next_page":null}}`)(q),
    '/node/provider/sessions-count': body('{"count":17}'),
    '/healthcheck': body(fixtureText('mysterium/healthcheck.json')),
  });
  const err500 = body('{"error":{"code":"err_provider_activity_stats","message":"Could not get provider activity stats"},"status":500,"path":"/node/provider/activity-stats"}', 500);

  it('reads earnings_total_tokens.wei, activity stats, quality and the version', async () => {
    const r = await read({ name: 'm', type: 'mysterium' }, routes(body(fixtureText('mysterium/activity-stats.assembled.json')), body('{"quality":2.5}')));
    expect(r.cumulativeTokens).toBe(100 / 1e18);
    expect(r.counterRule).toBe('total');
    expect(r.uptime).toBeCloseTo(0.975, 12);
    expect(r.health).toMatchObject({ version: 'source.travis build #', onlineRatio: 0.975, activeRatio: 0.125, quality: 2.5, problems: [] });
    // Sessions: the ones it serves now (its own history, provided and not ended) and the last 24 h's count.
    expect(r.health).toMatchObject({ activeSessions: 2, sessions24h: 17 });
    const asked = server!.requests.find((q) => q.path === '/sessions')!.query;
    expect(Object.fromEntries(asked)).toMatchObject({ direction: 'Provided', status: 'New' });
    expect(server!.requests.find((q) => q.path === '/node/provider/sessions-count')!.query.get('range')).toBe('1d');
  });

  it('each source at its own cadence: healthcheck and active sessions every poll, identity 5 min, remote extras 10 min', async () => {
    server = await recordingServer(routes(body(fixtureText('mysterium/activity-stats.assembled.json')), body('{"quality":2.5}')));
    const local = new VirtualClock(Date.parse('2026-12-02T05:00:00Z'));
    const adapter = createAdapter(cfg({ name: 'm', type: 'mysterium', endpoint: server.url }), { baseDir: '/', clock: local });
    const count = (p: string) => server!.requests.filter((q) => q.path === p).length;
    const poll = async () => {
      await adapter.read(AbortSignal.timeout(3_000));
      await local.advance(60_000);
    };
    for (let i = 0; i < 6; i++) await poll(); // t = 0..5 min, one poll a minute
    expect(count('/healthcheck')).toBe(6);
    expect(count('/sessions')).toBe(6);
    expect(count('/identities')).toBe(1); // the identity is looked up once
    expect(count('/identities/0x000000000000000000000000000000000000000a')).toBe(2); // t = 0 and 5 min
    expect(count('/node/provider/quality')).toBe(1);
    for (let i = 0; i < 5; i++) await poll(); // t = 6..10 min
    expect(count('/node/provider/quality')).toBe(2);
    expect(count('/node/provider/activity-stats')).toBe(2);
    expect(count('/node/provider/sessions-count')).toBe(2);
    expect(count('/identities/0x000000000000000000000000000000000000000a')).toBe(3);
  });

  it('cadences come from the protocol config and are bounded', async () => {
    server = await recordingServer(routes(body(fixtureText('mysterium/activity-stats.assembled.json')), body('{"quality":2.5}')));
    const local = new VirtualClock(Date.parse('2026-12-02T05:00:00Z'));
    const adapter = createAdapter(cfg({ name: 'm', type: 'mysterium', endpoint: server.url, cadence: { earnings: 60, details: 120 } }), { baseDir: '/', clock: local });
    for (let i = 0; i < 4; i++) {
      await adapter.read(AbortSignal.timeout(3_000));
      await local.advance(60_000);
    }
    const count = (p: string) => server!.requests.filter((q) => q.path === p).length;
    expect(count('/identities/0x000000000000000000000000000000000000000a')).toBe(4);
    expect(count('/node/provider/quality')).toBe(2);
    expect(Value.Check(ProtocolConfigSchema, { name: 'm', type: 'mysterium', endpoint: 'http://x', cadence: { details: 5 } })).toBe(false);
    expect(Value.Check(ProtocolConfigSchema, { name: 'm', type: 'mysterium', endpoint: 'http://x', cadence: { earnings: 86_401 } })).toBe(false);
    expect(Value.Check(ProtocolConfigSchema, { name: 'm', type: 'mysterium', endpoint: 'http://x', cadence: { payouts: 60 } })).toBe(false);
  });

  it('activity stats and quality answering 500 (quality service down): earnings still read, the failure in health', async () => {
    const r = await read({ name: 'm', type: 'mysterium' }, routes(err500, err500));
    expect(r.cumulativeTokens).toBe(100 / 1e18);
    expect(r.uptime).toBeUndefined();
    expect(r.health!.problems.map((p) => p.code).sort()).toEqual(['activity-stats-unavailable', 'quality-unavailable']);
    expect(r.health).toMatchObject({ activeSessions: 2, sessions24h: 17 });
    expect(r.health!.problems[0]!.message).toMatch(/HTTP 500/);
  });
});

describe('grass: the raw token in Authorization', () => {
  it('sends the token without a Bearer scheme and reads points, epochs and the IP score', async () => {
    const r = await read(
      { name: 'g', type: 'grass', credentials: { token: 'eyJhbGciOi.raw' } },
      { '/retrieveUser': body(fixtureText('grass/retrieveUser.cashpilot-partial.json')), '/activeDevices': body(fixtureText('grass/activeDevices.cashpilot-partial.json')) },
    );
    expect(server!.requests.map((q) => q.headers.authorization)).toEqual(['eyJhbGciOi.raw', 'eyJhbGciOi.raw']);
    expect(r.cumulativeTokens).toBe(420);
    expect(r.counterRule).toBe('epoch');
    expect(r.health).toEqual({ ipScore: 80, problems: [] });
  });
});

describe('streamr: earnings from a local stub speaking JSON-RPC and GraphQL, health from /info', () => {
  const operator = '0x1234567890AbcdEF1234567890aBcdef12345678';
  const state = () => ({
    operator,
    sponsorships: [
      { address: '0x00000000000000000000000000000000000051a1', earningsWei: 1_500_000_000_000_000_000n },
      { address: '0x00000000000000000000000000000000000051a2', earningsWei: 2_250_000_000_000_000_000n },
    ],
    maxAllowedEarningsWei: 10n ** 21n,
    cumulativeEarningsWei: 123_456_789_012_345_678_901_234n,
  });
  const chain = (rpc: boolean): Record<string, Handler> => ({
    '/info': body(fixtureText('streamr/info.assembled.json')),
    [rpc ? '/rpc' : '/graphql']: (q) => {
      const reply = (rpc ? handleJsonRpc : handleIndexerQuery)({ method: q.method, path: q.path, query: q.query, headers: q.headers, body: q.body }, state);
      return { body: JSON.stringify((reply as { json: unknown }).json) };
    },
  });

  it('polygon-rpc: eth_call getSponsorshipsAndEarnings() on the operator, the two sponsorships summed: 3.75 DATA', async () => {
    server = await recordingServer(chain(true));
    const adapter = createAdapter(
      cfg({ name: 's', type: 'streamr', endpoint: server.url, earningsSource: { kind: 'polygon-rpc', url: `${server.url}/rpc`, operator } }),
      { baseDir: '/', clock },
    );
    const r = await adapter.read(AbortSignal.timeout(3_000));
    expect(r.cumulativeTokens).toBeCloseTo(3.75, 12);
    expect(r.counterRule).toBe('balance');
    expect(r.info).toMatchObject({ sponsorships: 2, neighbors: 4, streamParts: 1 });
    const call = server.requests.find((q) => q.path === '/rpc')!.body as { method: string; params: [{ to: string; data: string }, string] };
    expect(call.method).toBe('eth_call');
    expect(call.params).toEqual([{ to: operator, data: '0x2ebd89d1' }, 'latest']);
  });

  it('indexer: operator(id) { cumulativeEarningsWei } with the lower-case address, a lifetime total', async () => {
    server = await recordingServer(chain(false));
    const adapter = createAdapter(
      cfg({ name: 's', type: 'streamr', endpoint: server.url, earningsSource: { kind: 'indexer', url: `${server.url}/graphql`, operator } }),
      { baseDir: '/', clock },
    );
    const r = await adapter.read(AbortSignal.timeout(3_000));
    expect(r.cumulativeTokens).toBeCloseTo(123456.789012346, 9);
    expect(r.counterRule).toBe('total');
    const q = server.requests.find((x) => x.path === '/graphql')!.body as { variables: { id: string } };
    expect(q.variables.id).toBe(operator.toLowerCase());
  });

  it('an unknown operator and a JSON-RPC revert are errors naming the call; /info failing is a health problem only', async () => {
    server = await recordingServer({ ...chain(false), '/info': body('{"error":"unauthorized"}', 401) });
    const wrong = '0x0000000000000000000000000000000000000bad';
    const adapter = createAdapter(
      cfg({ name: 's', type: 'streamr', endpoint: server.url, earningsSource: { kind: 'indexer', url: `${server.url}/graphql`, operator: wrong } }),
      { baseDir: '/', clock },
    );
    await expect(adapter.read(AbortSignal.timeout(3_000))).rejects.toThrow(`operator-earnings: data.operator: no operator ${wrong} in the indexer`);
    const ok = createAdapter(
      cfg({ name: 's', type: 'streamr', endpoint: server.url, earningsSource: { kind: 'indexer', url: `${server.url}/graphql`, operator } }),
      { baseDir: '/', clock },
    );
    const r = await ok.read(AbortSignal.timeout(3_000));
    expect(r.cumulativeTokens).toBeGreaterThan(0);
    expect(r.health!.problems.map((p) => p.code)).toEqual(['info-unavailable']);
  });
});
