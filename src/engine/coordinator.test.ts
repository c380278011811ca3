import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { createStaticPriceSource } from '../adapters/prices.js';
import type { Adapter } from '../adapters/types.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../config/schema.js';
import type { AdapterReading, Snapshot } from '../domain/sample.js';
import { type Clock, VirtualClock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import { silentLogger } from '../lib/logger.js';
import { type CoordinatorSettings, createCoordinator } from './coordinator.js';
import { createStaticHostReader } from './host-resources.js';

/** Coordinator rules that need no network: fake adapters stand in for nodes (the simulator tests use real HTTP). */

const cfg = (name: string, extra: Record<string, unknown> = {}) =>
  Value.Default(ProtocolConfigSchema, { name, type: 'http-json', endpoint: 'http://127.0.0.1:1', mapping: { earnings: 'x' }, ...extra }) as ProtocolConfig;

function counterAdapter(name: string, opts: { isCloud?: boolean; step?: number; fail?: () => Error | null } = {}): Adapter & { calls: number } {
  let value = 0;
  const a = {
    name,
    type: 'http-json' as const,
    isCloud: opts.isCloud ?? false,
    calls: 0,
    async read(): Promise<AdapterReading> {
      a.calls++;
      const err = opts.fail?.();
      if (err) throw err;
      value += opts.step ?? 1;
      return { connected: true, token: 'USD', cumulativeTokens: value, resources: { cpuPercent: 5 } };
    },
  };
  return a;
}

const settings: CoordinatorSettings = { historySize: 3, retries: 0, breakerFailures: 2, breakerHalfOpenAfter: 60, intervals: { poll: 5, cloudPoll: 60 } };

function build(adapters: Adapter[], protocols: ProtocolConfig[], clock = new VirtualClock(), insert?: (s: Snapshot) => Promise<void>) {
  const stored: Snapshot[] = [];
  const coordinator = createCoordinator({
    protocols,
    adapters: new Map(adapters.map((a) => [a.name, a])),
    metrics: { insertSnapshot: insert ?? (async (s) => void stored.push(s)) },
    host: createStaticHostReader(),
    prices: createStaticPriceSource({ USD: 1 }),
    clock,
    log: silentLogger(),
    settings,
    allocation: () => ({ a: { cpu: 10, memory: 20, bandwidth: 30, storage: 40 } }),
  });
  return { coordinator, stored, clock };
}

describe('coordinator', () => {
  it('keeps a bounded ring, records the allocation in force, and never overlaps cycles', async () => {
    const a = counterAdapter('a');
    const { coordinator, stored, clock } = build([a], [cfg('a')]);
    for (let i = 0; i < 5; i++) {
      await coordinator.pollOnce();
      await clock.advance(5_000);
    }
    expect(stored).toHaveLength(5);
    expect(coordinator.history().map((s) => s.time)).toEqual(stored.slice(2).map((s) => s.time));
    expect(coordinator.latest()!.protocols[0]).toMatchObject({ allocation: { cpu: 10, memory: 20, bandwidth: 30, storage: 40 }, cpuPercent: 5, earnedUsd: 1 });
    const [x, y] = [coordinator.pollOnce(), coordinator.pollOnce()];
    expect(await x).toBe(await y);
    expect(a.calls).toBe(6);
  });

  it('polls a cloud adapter at its own slower interval and carries its last sample in between', async () => {
    const local = counterAdapter('a');
    const cloud = counterAdapter('c', { isCloud: true });
    const { coordinator, clock } = build([local, cloud], [cfg('a'), cfg('c')]);
    for (let i = 0; i < 12; i++) {
      await coordinator.pollOnce();
      await clock.advance(5_000);
    }
    expect(local.calls).toBe(12);
    expect(cloud.calls).toBe(1);
    const carried = coordinator.latest()!.protocols.find((p) => p.protocol === 'c')!;
    expect(carried).toMatchObject({ connected: true, earnedTokens: 0, cumulativeTokens: 1, time: clock.now() - 5_000 });
    await coordinator.pollOnce();
    expect(cloud.calls).toBe(2);
  });

  it('a rate-limited cloud API is reported but does not open the breaker', async () => {
    const limited = counterAdapter('c', { fail: () => new OrchaError('ORCHA_ERR_ADAPTER_RATE_LIMITED', 'retry after 60 s') });
    const { coordinator } = build([limited], [cfg('c', { pollInterval: 5 })]);
    for (let i = 0; i < 4; i++) await coordinator.pollOnce({ force: true });
    expect(coordinator.status()[0]).toMatchObject({ connected: false, breaker: 'closed', lastErrorCode: 'ORCHA_ERR_ADAPTER_RATE_LIMITED' });
    expect(limited.calls).toBe(4);
  });

  it('keeps polling and keeps the ring when the database write fails', async () => {
    const a = counterAdapter('a');
    const { coordinator } = build([a], [cfg('a')], new VirtualClock(), async () => {
      throw new Error('database is locked');
    });
    await coordinator.pollOnce();
    await coordinator.pollOnce({ force: true });
    expect(coordinator.history()).toHaveLength(2);
  });

  it('reconfigure keeps the earnings baseline of kept protocols and drops removed ones', async () => {
    const a = counterAdapter('a', { step: 2 });
    const b = counterAdapter('b');
    const { coordinator, clock } = build([a, b], [cfg('a'), cfg('b')]);
    await coordinator.pollOnce();
    coordinator.reconfigure({ protocols: [cfg('a', { timeout: 9 })], adapters: new Map([['a', a]]) });
    await clock.advance(5_000);
    const snap = await coordinator.pollOnce();
    expect(snap.protocols.map((p) => p.protocol)).toEqual(['a']);
    expect(snap.protocols[0]!.earnedTokens).toBe(2);
    expect(coordinator.status().map((s) => s.name)).toEqual(['a']);
  });

  it('the loop polls at the interval on the injected clock and stops cleanly', async () => {
    const a = counterAdapter('a');
    const { coordinator, clock } = build([a], [cfg('a')]);
    coordinator.start();
    for (let i = 0; i < 200 && a.calls === 0; i++) await new Promise((r) => setImmediate(r));
    await clock.advance(5_000);
    await clock.advance(5_000);
    await coordinator.stop();
    expect(a.calls).toBe(3);
    await clock.advance(20_000);
    expect(a.calls).toBe(3);
  });

  it('stamps each loop snapshot with its planned slot and keeps every protocol on the grid when the host wakes it late', async () => {
    const virtual = new VirtualClock();
    const start = virtual.now();
    // A busy host: every wake-up comes late, by up to 0.4 of an interval, and once by 2.2 intervals (a long stall).
    const lateness = [0, 1_900, 300, 2_000, 0, 11_000, 1_000, 1_500, 0, 2_000, 1_200];
    let sleeps = 0;
    const late: Clock = { now: () => virtual.now(), sleep: (ms, signal) => virtual.sleep(ms + (lateness[sleeps++ % lateness.length] ?? 0), signal) };
    const a = counterAdapter('a');
    const { coordinator, stored } = build([a], [cfg('a')], late as VirtualClock);
    coordinator.start();
    for (let i = 0; i < 200 && stored.length === 0; i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 30; i++) await virtual.advance(2_500);
    await coordinator.stop();
    const offsets = stored.map((s) => s.time - start);
    // On the 5 s grid whatever the lateness; the stall left out the slots it covered (25 s and 30 s), nothing else.
    expect(offsets.every((t) => t % 5_000 === 0), offsets.join(',')).toBe(true);
    const gaps = offsets.slice(1).map((t, i) => t - offsets[i]!);
    expect(gaps.filter((g) => g !== 5_000), offsets.join(',')).toEqual([15_000]);
    // Every stored snapshot holds a fresh reading: a late wake-up never made the protocol wait for the next slot.
    expect(stored.slice(1).every((s) => s.protocols[0]!.earnedTokens === 1), offsets.join(',')).toBe(true);
    expect(a.calls).toBe(stored.length);
  });
});
