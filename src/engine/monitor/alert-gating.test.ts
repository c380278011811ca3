/**
 * Rules that do not flap: a noisy CPU on a busy 2-core host, sampled every 5 s, with the default rules (10 min
 * for-duration, 5-point hysteresis, 5 min clear delay) against the same series with instant rules.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { VirtualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import type { Store } from '../../store/types.js';
import { createSqliteTestStore, snapshot } from '../../../test/helpers/stores.js';
import { type AlertEvent, createAlertService } from './alerts.js';

let store: Store;
let clock: VirtualClock;
beforeEach(async () => {
  store = await createSqliteTestStore();
  clock = new VirtualClock(Date.UTC(2026, 11, 2));
});
afterEach(async () => {
  await store.close();
});

/** CPU around 90 % (the default threshold) for 20 minutes, hot (~95 %) for 20, then ~87 % (inside the hysteresis band) for 20, then 50 %. */
function cpuAt(i: number): number {
  const noise = ((i * 7919) % 13) - 6; // deterministic, ±6 points
  if (i < 240) return 88 + noise / 2;
  if (i < 480) return 95 + noise / 3;
  if (i < 720) return 87 + noise / 4;
  return 50;
}

async function run(config: Config): Promise<AlertEvent[]> {
  const events: AlertEvent[] = [];
  const alerts = createAlertService({ repo: store.alerts, clock, log: silentLogger(), getConfig: () => config, onEvent: (e) => void events.push(e) });
  const t0 = clock.now();
  for (let i = 0; i < 900; i++) {
    const t = t0 + i * 5000;
    clock.set(t);
    const base = snapshot(t, []);
    await alerts.evaluate({ snapshot: { ...base, host: { ...base.host, cpuPercent: cpuAt(i) } } });
  }
  return events;
}

it('with the default rules a noisy CPU raises one alert and resolves it once; instant rules flap', async () => {
  const events = await run(buildConfig({}, {}));
  expect(events.map((e) => e.change)).toEqual(['raised', 'resolved']);
  const [raised, resolved] = events;
  // opened after 10 minutes over 90 %, cleared 5 minutes after falling under 85 %
  expect((raised?.alert.createdAt ?? 0) - Date.UTC(2026, 11, 2)).toBe(240 * 5000 + 10 * 60_000);
  expect((resolved?.alert.resolvedAt ?? 0) - Date.UTC(2026, 11, 2)).toBe(720 * 5000 + 5 * 60_000);

  const instant = { forMinutes: 0, clearMinutes: 0, hysteresis: 0, renotifyMinutes: 0 };
  await store.close();
  store = await createSqliteTestStore();
  clock.set(Date.UTC(2026, 11, 2));
  const flapping = await run(buildConfig({ alerts: { rules: { resource_pressure: instant } } }, {}));
  expect(flapping.filter((e) => e.change === 'raised').length).toBeGreaterThan(10);
});
