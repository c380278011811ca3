/**
 * A feature's alert family goes through the same gate as every other alert: moving figures are written quietly and
 * not published; opening, a severity change and resolving are; a configured for-duration is respected.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.js';
import type { Store } from '../../store/types.js';
import { createSqliteTestStore } from '../../../test/helpers/stores.js';
import { type AlertCondition, createAlertFamilies } from './alert-family.js';

let store: Store;
let clock: VirtualClock;
beforeEach(async () => {
  store = await createSqliteTestStore();
  clock = new VirtualClock(Date.UTC(2026, 11, 2));
});
afterEach(async () => {
  await store.close();
});

const silent = (minutes: number, severity: 'warning' | 'critical' = 'critical'): AlertCondition => ({
  key: 'host_silent:alpha',
  type: 'host_silent',
  severity,
  protocol: null,
  message: `host alpha: no report from its agent for ${minutes} min`,
  details: { host: 'alpha', minutes },
});

it('publishes when the alert opens, changes severity and resolves; a growing count is written quietly', async () => {
  const published: string[] = [];
  const families = createAlertFamilies({ repo: store.alerts, clock, publish: (change, a) => void published.push(`${change}:${a.severity}`) });
  for (let m = 5; m <= 62; m++) {
    await families.sync('host_silent', [silent(m)]);
    await clock.advance(60_000);
  }
  expect(published).toEqual(['raised:critical']);
  const stored = await store.alerts.findActiveByKey('host_silent:alpha');
  // The figures are kept up to date every 5 minutes (last at minute 60), not at every check.
  expect(stored?.message).toBe(silent(60).message);

  await families.sync('host_silent', [silent(63, 'warning')]);
  await clock.advance(60_000);
  await families.sync('host_silent', []);
  expect(published).toEqual(['raised:critical', 'updated:warning', 'resolved:warning']);
  expect(await store.alerts.findActiveByKey('host_silent:alpha')).toBeNull();
});

it('a configured for-duration holds the alert back until the condition has lasted that long', async () => {
  const published: string[] = [];
  const families = createAlertFamilies({
    repo: store.alerts,
    clock,
    publish: (change) => void published.push(change),
    rule: () => ({ forMinutes: 10, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 }),
  });
  for (let m = 0; m < 10; m++) {
    await families.sync('host_silent', [silent(m)]);
    await clock.advance(60_000);
  }
  expect(published).toEqual([]);
  await families.sync('host_silent', [silent(10)]);
  expect(published).toEqual(['raised']);
});
