import { afterEach, describe, expect, it } from 'vitest';
import type { ProtocolStatus } from '../../src/engine/coordinator.js';
import { type SimRig, startSimRig } from '../helpers/sim-coordinator.js';

/** Issue 3, must hold 1, 2 and 4: the coordinator against the node simulators and a real SQLite database. */

let rig: SimRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('coordinator with every simulator healthy', () => {
  it('persists a snapshot every poll interval whose values equal what the simulators served', async () => {
    rig = await startSimRig({});
    const { clock, coordinator, store, sims } = rig;
    const t0 = clock.now();
    const first = rig.nextSnapshot();
    coordinator.start();
    await first;
    for (let i = 1; i <= 3; i++) {
      await rig.parked();
      const next = rig.nextSnapshot();
      await clock.advance(5_000);
      const snap = await next;
      expect(snap.time).toBe(t0 + i * 5_000);
      // What the database holds now is exactly this cycle, and every sample matches the simulator's last answer.
      const stored = await store.metrics.latest();
      expect(stored?.time).toBe(snap.time);
      for (const sample of stored!.protocols) {
        const sim = sims.sims.get(sample.protocol)!;
        expect(sample.connected).toBe(true);
        expect(sample.cumulativeTokens).toBeCloseTo(sim.lastServedTokens()!, 7);
        expect(sample.error ?? null).toBeNull();
      }
    }
    const points = await store.metrics.history({ from: t0, to: t0 + 20_000 });
    expect(points.map((p) => p.time)).toEqual([t0, t0 + 5_000, t0 + 10_000, t0 + 15_000]);
    expect((await store.metrics.count()).snapshots).toBe(4);

    // Local nodes were asked every cycle, the cloud API (grass) once: it is polled at intervals.cloudPoll. Storj's
    // summary (health) every cycle; its payout estimate and two satellites' scores once, at their own 10-minute cadence.
    expect(sims.sims.get('storj')!.requests).toBe(4 + 1 + 2);
    expect(sims.sims.get('grass')!.requests).toBe(2);
    expect(coordinator.history()).toHaveLength(4);

    // Earnings between cycles are the counter's increase, in USD through the price table.
    const latest = coordinator.latest()!;
    const golem = latest.protocols.find((p) => p.protocol === 'golem')!;
    const previous = coordinator.history()[2]!.protocols.find((p) => p.protocol === 'golem')!;
    expect(golem.earnedTokens).toBeCloseTo(golem.cumulativeTokens! - previous.cumulativeTokens!, 9);
    expect(golem.earnedUsd).toBeCloseTo(golem.earnedTokens * 0.3, 9);
    expect(latest.totalUsdPerHour).toBeGreaterThan(0);
    for (const s of coordinator.status()) expect(s).toMatchObject({ connected: true, breaker: 'closed', consecutiveFailures: 0 });
  });
});

describe('coordinator with a hanging node and a malformed one', () => {
  it('completes every cycle, records the healthy ones, opens the breaker, then half-opens and closes on recovery', async () => {
    // The hung node's timeout is 0.4 s. Half-open after 1 s (real time, cockatiel's clock): longer than a cycle.
    rig = await startSimRig({
      types: ['storj', 'golem', 'mysterium', 'http-json'],
      timeouts: { golem: 0.4 },
      settings: { breakerHalfOpenAfter: 1 },
    });
    const { clock, coordinator, store, sims } = rig;
    const golem = sims.sims.get('golem')!;
    const myst = sims.sims.get('mysterium')!;
    golem.setFault('hang'); // never answers: a cycle that waited for it would never resolve
    myst.setFault('malformed');
    const breakerSeen: Record<string, string[]> = { golem: [], mysterium: [] };
    coordinator.on('status', (list: ProtocolStatus[]) => {
      for (const s of list) {
        const seen = breakerSeen[s.name];
        if (seen && seen[seen.length - 1] !== s.breaker) seen.push(s.breaker);
      }
    });

    for (let cycle = 1; cycle <= 3; cycle++) {
      const snap = await coordinator.pollOnce();
      const by = Object.fromEntries(snap.protocols.map((p) => [p.protocol, p]));
      expect(by.storj!.connected).toBe(true);
      expect(by.honeygain!.connected).toBe(true);
      expect(by.golem).toMatchObject({ connected: false });
      expect(by.golem!.error).toMatch(/no answer/);
      expect(by.mysterium).toMatchObject({ connected: false });
      expect(by.mysterium!.error).toMatch(/not valid JSON/);
      const stored = await store.metrics.latest();
      expect(stored?.time).toBe(snap.time);
      expect(stored!.protocols.find((p) => p.protocol === 'storj')!.cumulativeTokens).toBeCloseTo(sims.sims.get('storj')!.lastServedTokens()!, 7);
      expect(stored!.protocols.find((p) => p.protocol === 'golem')!.connected).toBe(false);
      await clock.advance(5_000);
    }

    const status = Object.fromEntries(coordinator.status().map((s) => [s.name, s]));
    expect(status.golem).toMatchObject({ connected: false, breaker: 'open', consecutiveFailures: 3, lastErrorCode: 'ORCHA_ERR_TIMEOUT' });
    expect(status.mysterium).toMatchObject({ connected: false, breaker: 'open', consecutiveFailures: 3, lastErrorCode: 'ORCHA_ERR_ADAPTER_SCHEMA' });
    expect(status.storj).toMatchObject({ connected: true, breaker: 'closed' });

    // Open: no call reaches the node.
    const golemCalls = golem.requests;
    const mystCalls = myst.requests;
    const whileOpen = await coordinator.pollOnce();
    expect(golem.requests).toBe(golemCalls);
    expect(myst.requests).toBe(mystCalls);
    expect(whileOpen.protocols.find((p) => p.protocol === 'golem')!.error).toMatch(/circuit open/);

    // The nodes recover; after breakerHalfOpenAfter one trial call goes through and closes the breaker.
    golem.setFault(null);
    myst.setFault(null);
    await new Promise((r) => setTimeout(r, 1_100));
    await clock.advance(5_000);
    const recovered = await coordinator.pollOnce();
    expect(golem.requests).toBeGreaterThan(golemCalls);
    for (const name of ['golem', 'mysterium']) {
      expect(recovered.protocols.find((p) => p.protocol === name)!.connected).toBe(true);
      expect(breakerSeen[name]).toEqual(['closed', 'open', 'half-open', 'closed']);
    }
    expect(coordinator.status().every((s) => s.connected && s.breaker === 'closed' && s.consecutiveFailures === 0)).toBe(true);
  });
});

describe('the payout trap through the whole pipeline', () => {
  it('a 90 % balance drop records a payout event (once the next reading confirms it) and leaves recorded earnings unchanged', async () => {
    rig = await startSimRig({ types: ['http-json'] });
    const { clock, coordinator, store, sims } = rig;
    const t0 = clock.now();
    let last = null as Awaited<ReturnType<typeof coordinator.pollOnce>>['protocols'][number] | null;
    for (let i = 0; i < 4; i++) {
      last = (await coordinator.pollOnce()).protocols[0]!;
      await clock.advance(5 * 60_000);
    }
    const range = { from: t0, to: t0 + 24 * 3_600_000 };
    const before = await store.metrics.earningsTotals(range);
    const rowsBefore = await store.metrics.protocolHistory({ ...range, protocol: 'honeygain' });
    expect(before[0]!.usd).toBeGreaterThan(0);

    // The drop is held for one reading (a dip that recovers would be a correction): nothing earned, nothing paid yet.
    sims.sims.get('honeygain')!.setFault('payout');
    const drop = (await coordinator.pollOnce()).protocols[0]!;
    expect(drop).toMatchObject({ payoutEvent: false, earnedTokens: 0, earnedUsd: 0 });

    // Still low at the next reading: a payout, recorded once; earnings resume from the lower balance.
    await clock.advance(5 * 60_000);
    const confirmed = (await coordinator.pollOnce()).protocols[0]!;
    expect(confirmed.payoutEvent).toBe(true);
    expect(confirmed.earnedUsd).toBeGreaterThan(0);
    expect(confirmed.earnedUsd).toBeLessThan(before[0]!.usd);

    const after = await store.metrics.earningsTotals(range);
    expect(after[0]!.usd).toBeCloseTo(before[0]!.usd + confirmed.earnedUsd, 9);
    expect(after[0]!.payoutEvents).toBe(1);
    // The amount paid out: from the balance's high-water mark down to where it fell, worth its USD at that moment.
    const paid = last!.cumulativeTokens! - drop.cumulativeTokens!;
    expect(paid).toBeGreaterThan(0);
    expect(confirmed.payout!.tokens).toBeCloseTo(paid, 9);
    expect(confirmed.payout!.usd).toBeGreaterThan(0);
    const payouts = await store.metrics.payouts(range);
    expect(payouts).toEqual([{ protocol: 'honeygain', token: confirmed.token, time: confirmed.time, tokens: confirmed.payout!.tokens, usd: confirmed.payout!.usd }]);
    expect(await store.metrics.payouts({ ...range, protocol: 'storj' })).toEqual([]);
    const rowsAfter = await store.metrics.protocolHistory({ ...range, protocol: 'honeygain' });
    expect(rowsAfter.slice(0, rowsBefore.length)).toEqual(rowsBefore);

    await clock.advance(5 * 60_000);
    const resumed = (await coordinator.pollOnce()).protocols[0]!;
    expect(resumed.payoutEvent).toBe(false);
    expect(resumed.earnedUsd).toBeGreaterThan(0);
  });
});
