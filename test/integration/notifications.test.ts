/**
 * The notification pipeline on a real database (SQLite and PostgreSQL): alert changes -> grouped outbox messages ->
 * a local webhook receiver; retries with backoff, a failing channel's own alert on the other channels, quiet hours,
 * resolve messages, the rate limit, test-send, and an outbox that survives a restart.
 */
import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Alert } from '../../src/domain/alert.js';
import { createAlertService } from '../../src/engine/monitor/alerts.js';
import { createReportService } from '../../src/engine/monitor/reports.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createNotifier } from '../../src/notifications/notifier.js';
import type { Store } from '../../src/store/types.js';
import { describeEachStore, reopenStore } from '../helpers/stores.js';

const log = silentLogger();
let receiver: Server;
let port = 0;
/** Requests per path; a path listed in `failing` answers 503. */
const got = new Map<string, Record<string, unknown>[]>();
const failing = new Set<string>();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      if (failing.has(path)) {
        res.writeHead(503).end('down');
        return;
      }
      got.set(path, [...(got.get(path) ?? []), JSON.parse(body)]);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => receiver.close());

const alertOf = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  type: 'protocol_disconnected',
  severity: 'critical',
  status: 'open',
  dedupKey: `protocol_disconnected:${id}`,
  protocol: id,
  message: `${id} disconnected for 30 polls: ECONNREFUSED`,
  details: { polls: 30, threshold: 2 },
  createdAt: 0,
  updatedAt: 0,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  ...over,
});

describeEachStore('notifications', (factory) => {
  let store: Store;
  let clock: VirtualClock;
  let config: Config;
  let prefix = '';
  beforeEach(async () => {
    store = await factory.create();
    clock = new VirtualClock(Date.UTC(2026, 11, 2, 12, 0));
    prefix = `/${factory.name}-${Math.random().toString(36).slice(2)}`;
    config = buildConfig(
      {
        notifications: {
          channels: [
            { name: 'a', url: `json://127.0.0.1:${port}${prefix}/a`, digest: 'none' },
            { name: 'b', url: `json://127.0.0.1:${port}${prefix}/b`, digest: 'none', minSeverity: 'critical' },
          ],
          groupSeconds: 30,
          retry: { initialSeconds: 10, maxAttempts: 3 },
          failingAfter: 2,
        },
      },
      {},
    );
  });
  afterEach(async () => {
    await store.close();
  });
  const at = (p: string) => got.get(`${prefix}${p}`) ?? [];

  function build(s: Store = store) {
    const alerts = createAlertService({ repo: s.alerts, clock, log, getConfig: () => config, onEvent: (e) => notifier.onAlert(e) });
    const notifier = createNotifier({
      outbox: s.notifications,
      alerts: s.alerts,
      clock,
      log,
      getConfig: () => config,
      baseDir: '.',
      env: {},
      defaultDashboardUrl: () => 'http://orcha.test:8080',
      report: (range) => createReportService({ metrics: s.metrics, reallocations: s.reallocations, clock }).performance(range),
      health: {
        failing: async (c, n, t, e) => void (await alerts.channelFailing(c, n, t, e)),
        recovered: async (c) => void (await alerts.channelRecovered(c)),
      },
    });
    return { alerts, notifier };
  }

  it('alerts raised together go out as one message per channel, filtered by severity, and resolve where they went', async () => {
    const { notifier } = build();
    const now = clock.now();
    for (const a of [alertOf('x', { createdAt: now }), alertOf('y', { createdAt: now, severity: 'warning', type: 'resource_pressure', protocol: null })]) {
      await store.alerts.insert(a);
      notifier.onAlert({ change: 'raised', alert: a });
    }
    await notifier.tick();
    expect(at('/a')).toHaveLength(0); // the group window is still open
    await clock.advance(30_000);
    await notifier.tick();
    expect(at('/a')).toHaveLength(1);
    expect(at('/a')[0]).toMatchObject({ kind: 'alert', severity: 'critical' });
    expect((at('/a')[0]?.alerts as unknown[]).length).toBe(2);
    expect(at('/a')[0]?.title).toBe('[CRITICAL] 2 new alerts (1 critical, 1 warning)');
    expect(at('/b')).toHaveLength(1);
    expect((at('/b')[0]?.alerts as { id: string }[]).map((a) => a.id)).toEqual(['x']);

    const deliveries = await store.notifications.deliveries(['x', 'y']);
    expect(deliveries.filter((d) => d.status === 'sent').map((d) => `${d.alertId}:${d.channel}`).sort()).toEqual(['x:a', 'x:b', 'y:a']);

    await store.alerts.update('y', { status: 'resolved', resolvedAt: clock.now() });
    notifier.onAlert({ change: 'resolved', alert: { ...alertOf('y', { severity: 'warning', type: 'resource_pressure', protocol: null }), status: 'resolved', resolvedAt: clock.now() } });
    await clock.advance(30_000);
    await notifier.tick();
    expect(at('/a').at(-1)).toMatchObject({ kind: 'resolved' });
    expect(String(at('/a').at(-1)?.message)).toContain('Resolved after');
    expect(at('/b')).toHaveLength(1); // b never heard of y
  });

  it('a failed send is retried with backoff; a channel that keeps failing raises its own alert on the other channels', async () => {
    const { notifier } = build();
    failing.add(`${prefix}/b`);
    const a = alertOf('z', { createdAt: clock.now() });
    await store.alerts.insert(a);
    notifier.onAlert({ change: 'raised', alert: a });
    await notifier.flush();
    await notifier.dispatch();
    const [toB] = await store.notifications.list({ channel: 'b' });
    expect(toB).toMatchObject({ status: 'pending', attempts: 1 });
    expect(toB?.lastError).toContain('HTTP 503');
    expect(toB?.nextAttemptAt).toBe(clock.now() + 10_000);
    await notifier.dispatch(); // not due yet: no second attempt
    expect((await store.notifications.get(toB?.id ?? ''))?.attempts).toBe(1);
    await clock.advance(10_000);
    await notifier.dispatch();
    expect((await store.notifications.get(toB?.id ?? ''))?.attempts).toBe(2);
    const own = await store.alerts.findActiveByKey('notification_failed:b');
    expect(own).toMatchObject({ type: 'notification_failed', severity: 'warning' });
    await notifier.flush();
    await notifier.dispatch();
    expect(at('/a').some((m) => (m.alerts as { type: string }[] | undefined)?.some((x) => x.type === 'notification_failed'))).toBe(true);
    // b itself is not told about its own failure
    expect((await store.notifications.list({ channel: 'b' })).every((m) => !m.alertIds.includes(own?.id ?? ''))).toBe(true);

    await clock.advance(20_000);
    await notifier.dispatch();
    expect((await store.notifications.get(toB?.id ?? ''))?.status).toBe('failed'); // maxAttempts 3
    failing.delete(`${prefix}/b`);
    const results = await notifier.test('b');
    expect(results).toEqual([{ channel: 'b', ok: true, error: null }]);
    expect(await store.alerts.findActiveByKey('notification_failed:b')).toBeNull();
    const views = await notifier.channels();
    expect(views.find((v) => v.name === 'b')).toMatchObject({ usable: true, target: `json://127.0.0.1:${port}`, lastDelivery: { kind: 'test', status: 'sent' } });
  });

  it('quiet hours hold what is not critical and drop it if it resolved meanwhile; critical passes', async () => {
    config = { ...config, notifications: { ...config.notifications, quietHours: { start: '11:00', end: '13:00', timezone: 'UTC' } } };
    const { notifier } = build();
    const warn = alertOf('w', { severity: 'warning', createdAt: clock.now() });
    const crit = alertOf('c', { createdAt: clock.now() });
    for (const a of [warn, crit]) {
      await store.alerts.insert(a);
      notifier.onAlert({ change: 'raised', alert: a });
    }
    await notifier.flush();
    await notifier.dispatch();
    expect(at('/a').map((m) => (m.alerts as { id: string }[]).map((x) => x.id))).toEqual([['c']]);
    await store.alerts.update('w', { status: 'resolved', resolvedAt: clock.now() });
    await clock.advance(HOUR);
    await notifier.dispatch();
    expect(at('/a')).toHaveLength(1);
    expect((await store.notifications.list({ channel: 'a' })).map((m) => m.status).sort()).toEqual(['sent', 'suppressed']);
  });

  it('the outbox survives a restart: a message queued before it is sent after it', async () => {
    failing.add(`${prefix}/a`);
    const first = build();
    const a = alertOf('r', { createdAt: clock.now() });
    await store.alerts.insert(a);
    first.notifier.onAlert({ change: 'raised', alert: a });
    await first.notifier.stop(); // the group window is flushed to the outbox on shutdown
    const again = await reopenStore(store);
    try {
      failing.delete(`${prefix}/a`);
      const second = build(again);
      await second.notifier.dispatch();
      expect(at('/a').map((m) => (m.alerts as { id: string }[])[0]?.id)).toEqual(['r']);
    } finally {
      await again.close();
    }
  });

  it('a burst to one channel is held to its rate limit and delivered later, in order; another channel is unaffected', async () => {
    const [a, b] = config.notifications.channels;
    config = { ...config, notifications: { ...config.notifications, channels: [{ ...a!, maxPerHour: 2 }, b!] } };
    const { notifier } = build();
    const ids = ['burst1', 'burst2', 'burst3', 'burst4'];
    for (const id of ids) {
      const alert = alertOf(id, { createdAt: clock.now() });
      await store.alerts.insert(alert);
      notifier.onAlert({ change: 'raised', alert });
      await notifier.flush(); // one message per alert
      await clock.advance(1000);
    }
    const firstOf = (m: Record<string, unknown>) => (m.alerts as { id: string }[])[0]?.id;
    await notifier.dispatch();
    await notifier.dispatch(); // a second round within the hour sends nothing more to a
    expect(at('/a').map(firstOf)).toEqual(['burst1', 'burst2']); // a bucket of 2 at 2 per hour
    expect(at('/b').map(firstOf)).toEqual(ids); // b (30 per hour, bursts of 5) is not held back by a
    const waiting = (await store.notifications.list({ channel: 'a' })).filter((m) => m.status === 'pending');
    expect(waiting).toHaveLength(2);
    expect(waiting.every((m) => m.lastError === 'rate limited; waiting' && m.nextAttemptAt > clock.now())).toBe(true);

    // One token every 30 minutes: the held messages go out later, oldest first, none dropped.
    await clock.advance(29 * 60_000);
    await notifier.dispatch();
    expect(at('/a')).toHaveLength(2);
    await clock.advance(60_000);
    await notifier.dispatch();
    expect(at('/a').map(firstOf)).toEqual(['burst1', 'burst2', 'burst3']);
    await clock.advance(30 * 60_000);
    await notifier.dispatch();
    expect(at('/a').map(firstOf)).toEqual(ids);
    expect((await store.notifications.list({ channel: 'a' })).map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it('reminds while an alert stays open and unacknowledged, at the rule interval', async () => {
    config = { ...config, alerts: { ...config.alerts, rules: { ...config.alerts.rules, protocol_disconnected: { ...config.alerts.rules.protocol_disconnected, renotifyMinutes: 60 } } } };
    const { notifier } = build();
    const a = alertOf('m', { createdAt: clock.now() });
    await store.alerts.insert(a);
    notifier.onAlert({ change: 'raised', alert: a });
    await notifier.flush();
    await notifier.dispatch();
    for (let i = 0; i < 70; i++) {
      await clock.advance(60_000);
      await notifier.tick();
    }
    expect(at('/a').map((m) => m.kind)).toEqual(['alert', 'reminder']);
    await store.alerts.update('m', { status: 'acknowledged', acknowledgedAt: clock.now() });
    for (let i = 0; i < 70; i++) {
      await clock.advance(60_000);
      await notifier.tick();
    }
    expect(at('/a')).toHaveLength(2);
  });
});

const HOUR = 3_600_000;
