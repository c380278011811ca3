import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterReadingSchema } from '../domain/sample.js';
import { VirtualClock } from '../lib/clock.js';
import { isOrchaError } from '../lib/errors.js';
import { type SimulatorsHandle, startSimulators } from '../sim/index.js';
import { createAdapter } from './index.js';

const clock = new VirtualClock();
let sims: SimulatorsHandle;

beforeAll(async () => {
  sims = await startSimulators({ seed: 7, clock, slowMs: 5_000 });
  await clock.advance(2 * 3_600_000);
});
afterAll(() => sims.close());

const read = (name: string, timeoutMs = 2_000) => {
  const cfg = sims.protocols.find((p) => p.name === name)!;
  return createAdapter(cfg, { baseDir: '/', clock }).read(AbortSignal.timeout(timeoutMs));
};

describe('adapters against the node simulators', () => {
  for (const name of ['storj', 'golem', 'mysterium', 'streamr', 'grass', 'honeygain']) {
    it(`${name}: reads a valid sample whose counter equals what the simulator served`, async () => {
      const reading = await read(name);
      expect(Value.Check(AdapterReadingSchema, reading)).toBe(true);
      expect(reading.connected).toBe(true);
      const served = sims.sims.get(name)!.lastServedTokens();
      expect(served).not.toBeNull();
      expect(served).toBeGreaterThan(0);
      expect(reading.cumulativeTokens).toBeCloseTo(served!, 6);
    });
  }

  it('counters grow with simulated time', async () => {
    const before = (await read('golem')).cumulativeTokens!;
    await clock.advance(3_600_000);
    expect((await read('golem')).cumulativeTokens!).toBeGreaterThan(before);
  });

  it('mysterium: reads the wei string, not the bare number past 2^53', async () => {
    await clock.advance(30 * 24 * 3_600_000);
    const reading = await read('mysterium');
    expect(reading.cumulativeTokens).toBeCloseTo(sims.sims.get('mysterium')!.lastServedTokens()!, 6);
    expect(reading.token).toBe('MYST');
  });

  it('schema drift fails with the renamed field named, for every type', async () => {
    const expected: Record<string, RegExp> = {
      storj: /estimated-payout: currentMonth\.diskSpacePayout|sno: lastPinged/,
      golem: /metrics: payment_amount_received/,
      mysterium: /identity: earnings_total_tokens|activity-stats: online_percent/,
      streamr: /operator-earnings: data\.operator\.cumulativeEarningsWei/,
      grass: /retrieveUser: result\.data\.totalPoints/,
      honeygain: /data\.payout\.usd_cents/,
    };
    for (const [name, re] of Object.entries(expected)) {
      const sim = sims.sims.get(name)!;
      sim.setFault('schema-drift');
      try {
        await expect(read(name)).rejects.toThrow(re);
      } finally {
        sim.setFault(null);
      }
    }
  });

  it('typed errors: HTTP 500, malformed JSON, refused connection, timeout', async () => {
    const sim = sims.sims.get('storj')!;
    const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isOrchaError(e) ? e.code : String(e)));
    sim.setFault('http500');
    expect(await codeOf(read('storj'))).toBe('ORCHA_ERR_ADAPTER_HTTP');
    sim.setFault('malformed');
    expect(await codeOf(read('storj'))).toBe('ORCHA_ERR_ADAPTER_SCHEMA');
    sim.setFault('disconnected');
    expect(await codeOf(read('storj'))).toBe('ORCHA_ERR_ADAPTER_UNREACHABLE');
    sim.setFault('hang');
    expect(await codeOf(read('storj', 200))).toBe('ORCHA_ERR_TIMEOUT');
    sim.setFault(null);
    expect(await codeOf(read('storj'))).toBe('ok');
  });

  it('grass: after a 429 no call is made until Retry-After has passed', async () => {
    const cfg = sims.protocols.find((p) => p.name === 'grass')!;
    const adapter = createAdapter(cfg, { baseDir: '/', clock });
    const sim = sims.sims.get('grass')!;
    sim.setFault('rate-limited');
    await expect(adapter.read(AbortSignal.timeout(2_000))).rejects.toMatchObject({ code: 'ORCHA_ERR_ADAPTER_RATE_LIMITED' });
    sim.setFault(null);
    const calls = sim.requests;
    await expect(adapter.read(AbortSignal.timeout(2_000))).rejects.toMatchObject({ code: 'ORCHA_ERR_ADAPTER_RATE_LIMITED' });
    expect(sim.requests).toBe(calls);
    await clock.advance(61_000);
    await expect(adapter.read(AbortSignal.timeout(2_000))).resolves.toMatchObject({ connected: true });
  });

  it('wrong credentials are an auth error', async () => {
    const cfg = sims.protocols.find((p) => p.name === 'mysterium')!;
    const adapter = createAdapter({ ...cfg, credentials: { username: 'myst', password: 'wrong' } }, { baseDir: '/', clock });
    await expect(adapter.read(AbortSignal.timeout(2_000))).rejects.toMatchObject({ code: 'ORCHA_ERR_ADAPTER_AUTH' });
  });

  it('a simulated payout drops the counter by 90 %', async () => {
    const sim = sims.sims.get('honeygain')!;
    const before = (await read('honeygain')).cumulativeTokens!;
    sim.setFault('payout');
    const after = (await read('honeygain')).cumulativeTokens!;
    expect(after).toBeCloseTo(before * 0.1, 6);
    expect(sim.fault()).toBeNull();
  });
});

describe('new nodes', () => {
  it('null and zero fields of fresh nodes are read deliberately', async () => {
    const fresh = await startSimulators({ seed: 1, clock, fresh: true, types: ['storj', 'grass', 'mysterium', 'streamr'] });
    try {
      for (const cfg of fresh.protocols) {
        const reading = await createAdapter(cfg, { baseDir: '/', clock }).read(AbortSignal.timeout(2_000));
        expect(reading.connected).toBe(true);
        if (cfg.type === 'grass') expect(reading.cumulativeTokens).toBe(0);
        if (cfg.type === 'storj') expect(reading.info).toMatchObject({ satellites: 0, neverPinged: true });
        if (cfg.type === 'mysterium') expect(reading.uptime).toBeUndefined();
      }
    } finally {
      await fresh.close();
    }
  });
});
