import { Value } from '@sinclair/typebox/value';
import { expect, it } from 'vitest';
import { createStaticPriceSource } from '../../src/adapters/prices.js';
import type { Adapter } from '../../src/adapters/types.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../../src/config/schema.js';
import type { NodeHealth } from '../../src/domain/health.js';
import type { AdapterReading } from '../../src/domain/sample.js';
import { createCoordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { describeEachStore, rawQuery, reopenStore, useStore } from '../helpers/stores.js';

/** Issue 14, must hold 5 and 6: the ledger and node health persist in the real databases, across a daemon restart. */

const H = 3_600_000;
const config = Value.Default(ProtocolConfigSchema, { name: 'myst', type: 'mysterium', endpoint: 'http://127.0.0.1:1' }) as ProtocolConfig;

/** A node whose lifetime counter the test sets, with a health the test sets. */
function node() {
  const n = { value: 100, health: { version: '1.0.0', problems: [] } as NodeHealth };
  const adapter: Adapter = {
    name: 'myst',
    type: 'mysterium',
    isCloud: false,
    async read(): Promise<AdapterReading> {
      return { connected: true, token: 'MYST', cumulativeTokens: n.value, counterRule: 'total', resources: {}, health: n.health };
    },
  };
  return { n, adapter };
}

function daemon(store: Store, adapter: Adapter, clock: VirtualClock) {
  return createCoordinator({
    protocols: [config],
    adapters: new Map([['myst', adapter]]),
    metrics: store.metrics,
    host: createStaticHostReader(),
    prices: createStaticPriceSource({ MYST: 0.5 }),
    clock,
    log: silentLogger(),
    settings: { historySize: 10, retries: 0, breakerFailures: 3, breakerHalfOpenAfter: 60, intervals: { poll: 60, cloudPoll: 600 } },
    allocation: () => ({}),
    ledgers: store.ledgers,
    health: store.nodeHealth,
  });
}

describeEachStore('earnings and health across a daemon restart', (factory) => {
  const store = useStore(factory);

  it('what was earned while orcha was stopped is recorded once, as one sample whose USD/h spans the gap', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 1));
    const { n, adapter } = node();
    const first = daemon(store(), adapter, clock);
    await first.pollOnce({ force: true });
    await clock.advance(60_000);
    n.value = 101;
    const s = await first.pollOnce({ force: true });
    expect(s.protocols[0]!.earnedTokens).toBeCloseTo(1, 12);
    await first.stop();
    // The ledger is written beside the poll: wait (real time, bounded) until the last counter is stored.
    for (let i = 0; i < 100 && (await store().ledgers.load()).get('myst')?.high !== 101; i++) await new Promise((r) => setTimeout(r, 20));

    // Down for 10 hours, earning 2 MYST an hour; a new process on the same database.
    await clock.advance(10 * H);
    n.value = 121;
    const again = await reopenStore(store());
    try {
      const second = daemon(again, adapter, clock);
      const gap = (await second.pollOnce({ force: true })).protocols[0]!;
      expect(gap.earnedTokens).toBeCloseTo(20, 12);
      expect(gap.earnedUsd).toBeCloseTo(10, 12);
      // The stored counter was read 10 hours before: 10 USD over 10 h.
      expect(gap.usdPerHour).toBeCloseTo(1, 9);
      // And only once: the next poll earns only what is new.
      await clock.advance(60_000);
      n.value = 121.5;
      expect((await second.pollOnce({ force: true })).protocols[0]!.earnedTokens).toBeCloseTo(0.5, 12);
      await second.stop();
    } finally {
      await again.close();
    }
  });

  it('health is in each sample and stored once per change', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 1));
    const { n, adapter } = node();
    const c = daemon(store(), adapter, clock);
    const t0 = clock.now();
    expect((await c.pollOnce({ force: true })).protocols[0]!.health).toEqual({ version: '1.0.0', problems: [] });
    await clock.advance(60_000);
    await c.pollOnce({ force: true });
    await clock.advance(60_000);
    n.health = { version: '1.1.0', upToDate: false, problems: [{ code: 'outdated-version', message: 'x', severity: 'warning' }] };
    await c.pollOnce({ force: true });
    await c.stop();
    // Health is written beside the poll, not awaited by it: wait (real time, bounded) until the second change is stored.
    let rows = await store().nodeHealth.history('myst', t0, t0 + H);
    for (let i = 0; i < 100 && rows.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      rows = await store().nodeHealth.history('myst', t0, t0 + H);
    }
    expect(rows.map((r) => [r.time - t0, r.health.version])).toEqual([
      [0, '1.0.0'],
      [120_000, '1.1.0'],
    ]);
    expect((await store().nodeHealth.latest()).map((r) => r.health.upToDate)).toEqual([false]);
  });
});

describeEachStore('migration 003 on a database that already ran a later one', (factory) => {
  const store = useStore(factory);

  it('is applied anyway (migration numbers were handed out per issue and land in any order)', async () => {
    await rawQuery(store(), 'drop table protocol_health');
    await rawQuery(store(), 'drop table earnings_ledger');
    await rawQuery(store(), "delete from kysely_migration where name = '003-node-health'");
    const upgraded = await reopenStore(store(), { migrate: false });
    try {
      expect(await upgraded.migrate()).toEqual(['003-node-health']);
      expect(await upgraded.ledgers.load()).toEqual(new Map());
    } finally {
      await upgraded.close();
    }
  });
});
