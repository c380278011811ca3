/**
 * `GET /api/v1/payouts` on the product (startOrcha with the simulators): a balance that falls and stays down is a
 * payout with its amount in the node's token and its USD worth, per protocol, newest first; what Storj reports as
 * held back is listed beside it. Viewers may read it; without a token it is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payouts } from '../../src/http/schemas/views.js';
import type { ApiValue } from '../../src/http/schemas/api-time.js';
import { ADMIN_PASSWORD, type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

let orcha: TestOrcha;
let token = '';
const get = (path: string, auth = true) => fetch(`${orcha.url}/api/v1/${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
const range = () => `from=${new Date(orcha.clock.now() - 86_400_000).toISOString()}&to=${new Date(orcha.clock.now() + 1).toISOString()}`;

beforeAll(async () => {
  orcha = await startTestOrcha({ security: true });
  const login = await fetch(`${orcha.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
});

afterAll(async () => {
  await orcha?.close();
});

describe('GET /api/v1/payouts', () => {
  it('lists no payout before any, and the held amount Storj reports', async () => {
    const res = await get(`payouts?${range()}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ApiValue<Payouts>;
    expect(body.payouts).toEqual([]);
    const storj = body.held.find((h) => h.protocol === 'storj');
    expect(storj).toBeDefined();
    expect(storj!.heldTokens).toBeGreaterThan(0);
    expect(storj!.token).toBe('USD');
  });

  it('records a confirmed balance drop as a payout with its amount and USD worth', async () => {
    await orcha.poll();
    const before = orcha.coordinator.latest()!.protocols.find((p) => p.protocol === 'honeygain')!;
    orcha.sims.sims.get('honeygain')!.setFault('payout');
    await orcha.poll(); // the drop, held one reading
    const low = orcha.coordinator.latest()!.protocols.find((p) => p.protocol === 'honeygain')!;
    await orcha.poll(); // still low: the payout is confirmed
    const paid = before.cumulativeTokens! - low.cumulativeTokens!;
    expect(paid).toBeGreaterThan(0);

    const body = (await (await get(`payouts?${range()}`)).json()) as ApiValue<Payouts>;
    expect(body.payouts).toHaveLength(1);
    const [payout] = body.payouts;
    expect(payout).toMatchObject({ protocol: 'honeygain', token: before.token });
    expect(payout!.tokens).toBeCloseTo(paid, 6);
    expect(payout!.usd).toBeGreaterThan(0);
    expect(Date.parse(payout!.time)).toBe(orcha.coordinator.latest()!.time);

    // Per protocol: another node has none; a range before the payout has none.
    expect(((await (await get(`payouts?${range()}&protocol=storj`)).json()) as ApiValue<Payouts>).payouts).toEqual([]);
    const earlier = `from=${new Date(orcha.clock.now() - 86_400_000).toISOString()}&to=${new Date(orcha.clock.now() - 600_000).toISOString()}`;
    expect(((await (await get(`payouts?${earlier}`)).json()) as ApiValue<Payouts>).payouts).toEqual([]);
  });

  it('refuses a bad query naming the field, and a caller without a token', async () => {
    const bad = await get('payouts?limit=0');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('limit');
    expect((await get('payouts', false)).status).toBe(401);
  });
});
