/**
 * Issue 17: a policy's dry-run (POST policies/{name}/test) plans on net earnings when energy accounting is on, like
 * the optimizer does: each protocol's current rate loses the power its CPU share draws, priced at the tariff. With
 * energy accounting switched off, the same dry-run plans on gross at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnergyView } from '../../src/energy/index.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

let orcha: TestOrcha;

beforeAll(async () => {
  orcha = await startTestOrcha({
    config: { energy: { enabled: true, recordInterval: 60, pricePerKwh: 2, estimate: { idleWatts: 20, maxWatts: 200 } } },
    warmPolls: 12,
  });
}, 120_000);

afterAll(async () => {
  await orcha?.close();
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${orcha.url}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('policy dry-run on net earnings', () => {
  it('subtracts the power cost of each protocol\'s CPU share, and stops when energy accounting is off', async () => {
    const created = await api('POST', '/policies', { name: 'cap-golem', rules: [{ protocol: 'golem', resource: 'cpu', max: 30 }] });
    expect(created.status).toBe(201);
    type Planned = { plan: { currentUsdPerHour: number; current: Record<string, { cpu: number }> } };
    const net = ((await api('POST', '/policies/cap-golem/test')).json as Planned).plan;

    // What the power costs at the current allocation: per protocol, its power above idle priced at the tariff (the
    // optimizer charges it per CPU share point held, at least one).
    const view = (await api('GET', '/energy')).json as unknown as EnergyView;
    expect(view.usdPerKwh).toBe(2);
    let cost = 0;
    for (const p of view.protocols) {
      const cpu = net.current[p.protocol]?.cpu ?? 0;
      cost += ((p.activeWatts / 1000) * view.usdPerKwh * cpu) / Math.max(1, cpu);
    }
    expect(cost).toBeGreaterThan(0.01);

    await orcha.configService.update((raw) => ({ ...raw, energy: { ...(raw.energy as object), enabled: false } }));
    const gross = ((await api('POST', '/policies/cap-golem/test')).json as Planned).plan;
    expect(gross.currentUsdPerHour - net.currentUsdPerHour).toBeCloseTo(cost, 4);
  });
});
