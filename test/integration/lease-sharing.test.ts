/**
 * Control-plane instances on one real database share the hosts' decision leases: each takes its fair share (never
 * more than ceil(hosts / live replicas)); one that joins gets hosts at the others' next round; a dead one's hosts move
 * to the survivor once their leases expire, under higher fences, and a clean shutdown hands them over at once.
 */
import { expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { createFleetControlPlane, type FleetControlPlane } from '../../src/fleet/control-plane.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { describeEachStore, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOSTS = ['h-1', 'h-2', 'h-3', 'h-4', 'h-5'];

describeEachStore('fleet: host leases shared among replicas', (factory) => {
  const store = useStore(factory);

  it('spreads the hosts over the live replicas, moves a dead one\'s hosts at expiry and a stopped one\'s at once', async () => {
    const clock = new VirtualClock(T0);
    const config = loadConfigText('fleet: { leaseTtl: 15 }', {});
    const ttl = config.fleet.leaseTtl * 1000;
    const replica = (name: string) =>
      createFleetControlPlane({ store: store(), clock, log: silentLogger(), events: { emit: () => undefined }, config: () => config.fleet, replica: name });
    const hostsOf = (cp: FleetControlPlane) => cp.leases.held().filter((n) => n.startsWith('host:')).sort();
    const fences = async () => Object.fromEntries((await store().leases.list('host:')).map((l) => [l.name, [l.holder, l.fence]]));
    const a = replica('replica-a');
    for (const h of HOSTS) await a.service.addHost(h, null);

    // Alone, replica-a decides for every host.
    await a.leases.round();
    expect(hostsOf(a)).toHaveLength(5);

    // replica-b joins: at replica-a's next renewal it keeps its fair share (3) and hands the rest over; replica-b takes them.
    const b = replica('replica-b');
    await b.leases.round();
    expect(hostsOf(b)).toEqual([]);
    await clock.advance(ttl / 3);
    await a.leases.round();
    await b.leases.round();
    expect(hostsOf(a)).toHaveLength(3);
    expect(hostsOf(b)).toHaveLength(2);
    expect([...hostsOf(a), ...hostsOf(b)].sort()).toEqual(HOSTS.map((h) => `host:${h}`));
    const shared = await fences();
    for (const h of hostsOf(b)) expect(shared[h], h).toEqual(['replica-b', 2]);

    // Steady: more rounds move nothing.
    for (let i = 0; i < 3; i++) {
      await clock.advance(ttl / 3);
      await a.leases.round();
      await b.leases.round();
    }
    expect(await fences()).toEqual(shared);
    expect((await a.service.listHosts()).map((h) => h.decidedBy?.replica)).toEqual(HOSTS.map((h) => shared[`host:${h}`][0]));

    // replica-a dies (no more rounds): its hosts stay where they are until their leases expire, then replica-b,
    // now the only live replica, takes all of them under higher fences; replica-a no longer acts on any.
    const ofA = hostsOf(a);
    await clock.advance(ttl / 2);
    await b.leases.round();
    expect(hostsOf(b)).toHaveLength(2);
    await clock.advance(ttl / 2 + 1);
    await b.leases.round();
    expect(hostsOf(b)).toHaveLength(5);
    for (const h of ofA) {
      expect(a.leases.fence(h), h).toBeNull();
      expect((await fences())[h], h).toEqual(['replica-b', 2]);
    }

    // replica-a comes back: its renewals fail and it finds nothing free; replica-b hands it its share back.
    await a.leases.round();
    expect(hostsOf(a)).toEqual([]);
    await b.leases.round();
    await a.leases.round();
    expect([hostsOf(a).length, hostsOf(b).length]).toEqual([3, 2]);

    // A third replica joins: shares of 2, 2 and 1 (never more than ceil(5 / 3)), every host held once.
    const c = replica('replica-c');
    await c.leases.round();
    for (const r of [a, b, c]) await r.leases.round();
    expect([hostsOf(a).length, hostsOf(b).length, hostsOf(c).length]).toEqual([2, 2, 1]);
    expect([...hostsOf(a), ...hostsOf(b), ...hostsOf(c)].sort()).toEqual(HOSTS.map((h) => `host:${h}`));

    // replica-b shuts down cleanly: the others take its hosts at their next round, without waiting for expiry.
    await b.stop();
    for (const r of [a, c]) await r.leases.round();
    expect([hostsOf(a).length, hostsOf(c).length]).toEqual([3, 2]);
    await a.stop();
    await c.stop();
  });
});
