/**
 * Leases on the real databases: one holder at a time, a fence that grows at every change of holder, and a replica
 * that stops renewing (a dead or cut-off process) losing its hosts to another replica, which then holds them under
 * a higher fence while the stale holder can no longer act.
 */
import { expect, it } from 'vitest';
import { createLeaseManager } from '../../src/fleet/lease-manager.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const TTL = 15_000;

describeEachStore('leases', (factory) => {
  const store = useStore(factory);

  it('has one holder at a time; a new holder after expiry gets a higher fence and the old one can neither renew nor act', async () => {
    const leases = store().leases;
    const a = await leases.acquire('host:rack-1', 'replica-a', T0, TTL);
    expect(a).toMatchObject({ holder: 'replica-a', fence: 1, expiresAt: T0 + TTL });
    // Live: nobody takes it, not even its own holder a second time.
    expect(await leases.acquire('host:rack-1', 'replica-b', T0 + 1000, TTL)).toBeNull();
    expect(await leases.acquire('host:rack-1', 'replica-a', T0 + 1000, TTL)).toBeNull();
    expect(await leases.renew('host:rack-1', 'replica-a', 1, T0 + 5000, TTL)).toBe(true);
    expect(await leases.acquire('host:rack-1', 'replica-b', T0 + TTL + 1000, TTL)).toBeNull();

    // replica-a stops renewing: at expiry replica-b takes it under fence 2.
    const b = await leases.acquire('host:rack-1', 'replica-b', T0 + 5000 + TTL, TTL);
    expect(b).toMatchObject({ holder: 'replica-b', fence: 2 });
    expect(await leases.renew('host:rack-1', 'replica-a', 1, T0 + 5000 + TTL + 1, TTL)).toBe(false);
    expect(await leases.holds('host:rack-1', 'replica-a', 1, T0 + 5000 + TTL + 1)).toBe(false);
    expect(await leases.holds('host:rack-1', 'replica-b', 2, T0 + 5000 + TTL + 1)).toBe(true);

    // A release hands over at once, and the fence keeps growing.
    await leases.release('host:rack-1', 'replica-b', 2);
    expect(await leases.acquire('host:rack-1', 'replica-a', T0 + 5000 + TTL + 2, TTL)).toMatchObject({ holder: 'replica-a', fence: 3 });
    expect((await leases.list('host:')).map((l) => [l.name, l.holder, l.fence])).toEqual([['host:rack-1', 'replica-a', 3]]);
    expect(await leases.list('fleet:')).toEqual([]);
  });

  it('moves every lease of a replica that stops renewing to a live one, and the stale replica stops acting first', async () => {
    const clock = new VirtualClock(T0);
    const wanted = async () => ['fleet:alerts', 'host:alpha', 'host:beta'];
    const manager = (holder: string) =>
      createLeaseManager({ repo: store().leases, clock, log: silentLogger(), holder, ttlMs: () => TTL, wanted });
    const a = manager('replica-a');
    const b = manager('replica-b');
    await a.round();
    await b.round();
    expect(a.held().sort()).toEqual(['fleet:alerts', 'host:alpha', 'host:beta']);
    expect(b.held()).toEqual([]);
    expect(a.fence('host:alpha')).toBe(1);

    // replica-a renews while alive; replica-b still gets nothing.
    await clock.advance(TTL / 3);
    await a.round();
    await b.round();
    expect(b.held()).toEqual([]);

    // replica-a freezes (no more rounds). Before its lease expires in the database it already refuses to act.
    await clock.advance(TTL - TTL / 3);
    expect(a.fence('host:alpha')).toBeNull();
    await b.round();
    expect(b.held()).toEqual([]);
    await clock.advance(TTL / 3 + 1);
    await b.round();
    expect(b.held().sort()).toEqual(['fleet:alerts', 'host:alpha', 'host:beta']);
    expect(b.fence('host:alpha')).toBe(2);

    // replica-a wakes up: its renewals fail, it drops everything and takes nothing back.
    await a.round();
    expect(a.held()).toEqual([]);
    expect(await a.ensure('fleet:alerts')).toBeNull();

    // replica-b shuts down cleanly: replica-a takes over at once, under higher fences.
    await b.stop();
    await a.round();
    expect(a.held().sort()).toEqual(['fleet:alerts', 'host:alpha', 'host:beta']);
    expect(a.fence('host:beta')).toBe(3);
  });
});
