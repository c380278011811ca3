/**
 * Digests through the real composition root on a simulated clock: each channel gets its daily (and, on the configured
 * weekday, weekly) summary once, at the configured time, through the outbox, and not again after a restart. The text
 * holds earnings per protocol (gross, power cost and net once energy accounting is on), uptime, the reallocation with
 * its measured effect and the open alerts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { measureEffects } from '../../src/engine/reallocation/effects.js';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 5 January 2026: the digest goes at 08:00 UTC, the weekly one on Mondays. */
const MONDAY_0600 = Date.UTC(2026, 0, 5, 6, 0);
const MONDAY_0800 = Date.UTC(2026, 0, 5, 8, 0);

let hook: RecordingServer;
let dir: string;
let orcha: TestOrcha | null = null;

beforeAll(async () => {
  hook = await recordingServer({ '/ops': () => ({ body: '{}' }), '/boss': () => ({ body: '{}' }), '/pager': () => ({ body: '{}' }) });
  dir = await mkdtemp(join(tmpdir(), 'orcha-digest-'));
});
afterAll(async () => {
  await orcha?.close();
  await hook?.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (path: string) => `json://${hook.url.replace('http://', '')}${path}`;
const start = (startAt: number) =>
  startTestOrcha({
    dir,
    startAt,
    config: {
      intervals: { poll: 5, push: 1 },
      optimizer: { minObservations: 3 },
      energy: { enabled: true, pricePerKwh: 0.3, estimate: { idleWatts: 40, maxWatts: 140 } },
      notifications: {
        channels: [
          { name: 'ops', url: target('/ops'), digest: 'daily' },
          { name: 'boss', url: target('/boss'), digest: 'both', minSeverity: 'critical' },
          { name: 'pager', url: target('/pager'), digest: 'none' },
        ],
        digest: { time: '08:00', weekday: 1, timezone: 'UTC' },
        groupSeconds: 0,
        dashboardUrl: 'http://orcha.example:8080',
      },
    },
  });

interface Digest {
  path: string;
  kind: string;
  title: string;
  message: string;
  protocols: { protocol: string; earnedUsd: number; powerCostUsd: number | null; netUsd: number | null; uptime: number }[];
}
const digests = (): Digest[] =>
  hook.requests
    .filter((r) => String((r.body as { kind?: string }).kind).endsWith('_digest'))
    .map((r) => ({ path: r.path, ...(r.body as Omit<Digest, 'path'>) }));

/** Poll every `stepMs` of simulated time until `until`, letting the notifier do its rounds as its loop would. */
async function runUntil(o: TestOrcha, until: number, stepMs = 5 * MIN): Promise<void> {
  while (o.clock.now() < until) {
    await o.poll(Math.min(stepMs, until - o.clock.now()));
    await o.running.notifier.tick();
  }
}

it('sends one daily digest per channel at the configured time, weekly on its weekday, with the day in figures; a restart sends none again', { timeout: 120_000 }, async () => {
  orcha = await start(MONDAY_0600);
  const o = orcha;
  // An operator's reallocation, applied by the engine; its effect is measured an hour after it finished.
  const decision = await o.services.engine.decide({ dryRun: false, trigger: 'manual', requestedBy: 'admin' });
  expect(decision.status).toBe('applied');
  await runUntil(o, MONDAY_0600 + 75 * MIN);
  expect(await measureEffects({ repo: o.store.reallocations, metrics: o.store.metrics, now: o.clock.now(), windowMs: HOUR })).toBe(1);
  const measured = await o.store.reallocations.get(decision.id);
  const effect = (measured?.measuredAfterUsdPerHour ?? Number.NaN) - (measured?.measuredBeforeUsdPerHour ?? Number.NaN);
  expect(Number.isFinite(effect)).toBe(true);

  // Storj goes down at 07:30: its disconnection is open at 08:00, and its uptime is under 100 %.
  await runUntil(o, Date.UTC(2026, 0, 5, 7, 30));
  o.sims.sims.get('storj')?.setFault('http500');
  await runUntil(o, MONDAY_0800 - MIN);
  expect(digests()).toEqual([]); // not before 08:00
  const open = await o.store.alerts.list({ status: 'open', type: 'protocol_disconnected' });
  expect(open.map((a) => a.protocol)).toEqual(['storj']);

  await runUntil(o, MONDAY_0800);
  expect(digests().length).toBe(3); // at 08:00 exactly
  await runUntil(o, MONDAY_0800 + HOUR);
  const first = digests();
  expect(first.map((d) => `${d.path} ${d.kind}`).sort()).toEqual(['/boss daily_digest', '/boss weekly_digest', '/ops daily_digest']);
  const daily = first.find((d) => d.path === '/ops');
  if (!daily) throw new Error('no daily digest');
  // Sent through the outbox, and recorded there as sent.
  const outbox = await o.store.notifications.list({ channel: 'ops' });
  expect(outbox.filter((m) => m.kind === 'daily_digest').map((m) => [m.status, m.createdAt])).toEqual([['sent', MONDAY_0800]]);

  // The figures: per protocol gross, power cost and net (gross minus power), uptime.
  const report = await o.services.energy?.report({ from: MONDAY_0800 - 24 * HOUR, to: MONDAY_0800 });
  expect(daily.protocols.length).toBe(o.sims.protocols.length);
  for (const p of daily.protocols) {
    expect(p.powerCostUsd).toBeGreaterThan(0);
    expect(p.netUsd).toBeCloseTo(p.earnedUsd - (p.powerCostUsd ?? 0), 9);
    const line = daily.message.split('\n').find((l) => l.startsWith(`- ${p.protocol}: `));
    expect(line).toMatch(new RegExp(`^- ${p.protocol}: gross [\\d.]+ USD \\(.+\\), power [\\d.]+ USD, net -?[\\d.]+ USD.*, uptime [\\d.]+ %$`));
  }
  const storj = daily.protocols.find((p) => p.protocol === 'storj');
  expect(storj?.uptime).toBeLessThan(1);
  expect(storj?.uptime).toBeGreaterThan(0.5);
  expect(report?.estimatedShare).toBe(1); // no meter: the estimate, and the digest says so
  expect(daily.message).toMatch(/^Power: [\d.]+ kWh costing [\d.]+ USD, estimated for 100 % of the period; net of power -?[\d.]+ USD$/m);
  // The reallocation and its measured effect; the open alert.
  expect(daily.message).toContain('Reallocations: 1 applied');
  const sign = effect >= 0 ? '+' : '';
  expect(daily.message).toContain(`measured ${sign}${effect.toFixed(4)} USD/h`);
  expect(daily.message).toMatch(/Open alerts: [1-9]/);
  expect(daily.message).toMatch(/- \[critical\] .*storj/);
  expect(daily.title).toMatch(/^orcha daily summary: [\d.]+ USD earned, [1-9]\d* open alerts?$/);
  expect(daily.message).toContain('Dashboard: http://orcha.example:8080/');

  // A restart the same morning sends nothing again.
  await o.close();
  orcha = await start(MONDAY_0800 + 2 * HOUR);
  const again = orcha;
  await runUntil(again, MONDAY_0800 + 3 * HOUR);
  expect(digests()).toHaveLength(3);

  // The next morning: one more daily digest per channel that takes them; Tuesday is not the weekly day.
  await runUntil(again, MONDAY_0800 + 23 * HOUR, 2 * HOUR);
  expect(digests()).toHaveLength(3);
  await runUntil(again, MONDAY_0800 + 25 * HOUR);
  expect(digests().slice(3).map((d) => `${d.path} ${d.kind}`).sort()).toEqual(['/boss daily_digest', '/ops daily_digest']);
  expect(hook.requests.filter((r) => r.path === '/pager' && String((r.body as { kind?: string }).kind).endsWith('_digest'))).toEqual([]);
});
