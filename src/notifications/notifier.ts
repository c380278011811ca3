/**
 * The notification service: turns alert changes into outbox messages (grouped, filtered per channel, held by
 * quiet hours unless critical), reminds while an alert stays open, sends the digests, and drives the dispatcher.
 * It subscribes to alert changes; it never decides what is an alert.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Delivery, DeliveryStatus, MessageKind } from '../domain/notification.js';
import type { PerformanceReport } from '../engine/monitor/reports.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { AlertsRepository, NotificationOutboxRepository, TimeRange } from '../store/types.js';
import { type Channel, resolveChannels, wants } from './channels.js';
import { type DigestPower, digestMessage } from './digest.js';
import { type ChannelHealth, createDispatcher } from './dispatcher.js';
import { type Formatting, type Message, alertMessage, testMessage } from './message.js';
import { lastOccurrence, quietUntil } from './schedule.js';

export type AlertChange = 'raised' | 'updated' | 'resolved' | 'acknowledged';

export interface NotifierDeps {
  outbox: NotificationOutboxRepository;
  alerts: AlertsRepository;
  clock: Clock;
  log: Logger;
  getConfig: () => Config;
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Dashboard link when `notifications.dashboardUrl` is not set (the server's address). */
  defaultDashboardUrl: () => string;
  report: (range: TimeRange) => Promise<PerformanceReport>;
  /** Power cost and net per protocol over a range once energy accounting is on; absent or null = gross only. */
  power?: (range: TimeRange) => Promise<DigestPower | null>;
  health?: ChannelHealth;
  newId?: () => string;
}

export interface ChannelView {
  name: string;
  scheme: string;
  target: string;
  minSeverity: string;
  types: string[] | null;
  protocols: string[] | null;
  digest: string;
  usable: boolean;
  error: string | null;
  consecutiveFailures: number;
  pending: number;
  lastDelivery: { kind: MessageKind; status: DeliveryStatus; title: string; at: number; sentAt: number | null; error: string | null } | null;
}

export interface TestResult {
  channel: string;
  ok: boolean;
  error: string | null;
}

const GROUPED: Record<Exclude<AlertChange, 'acknowledged'>, MessageKind> = { raised: 'alert', updated: 'escalated', resolved: 'resolved' };
const RANK = { info: 0, warning: 1, critical: 2 } as const;
const HOUR = 3_600_000;

export function createNotifier(deps: NotifierDeps) {
  const { clock, outbox } = deps;
  const log = deps.log.child({ module: 'notifications' });
  const newId = deps.newId ?? randomUUID;
  const startedAt = clock.now();
  let channelCache: { config: Config; channels: Channel[] } | null = null;
  /** Alert changes waiting for the group window to close, by message kind. */
  const pending = new Map<MessageKind, Map<string, Alert>>();
  let windowEnds: number | null = null;
  let lastHousekeeping = 0;
  let stopped = false;
  let abort: AbortController | null = null;
  let loop: Promise<void> | null = null;

  const settings = () => deps.getConfig().notifications;
  function channels(): Channel[] {
    const config = deps.getConfig();
    if (channelCache?.config !== config) {
      channelCache = { config, channels: resolveChannels(config, deps.baseDir, deps.env) };
      for (const c of channelCache.channels) if (c.error) log.warn({ channel: c.name, error: c.error }, 'notification channel unusable');
    }
    return channelCache.channels;
  }
  const formatting = (): Formatting => ({
    dashboardUrl: (settings().dashboardUrl ?? deps.defaultDashboardUrl()).replace(/\/+$/, ''),
    timezone: settings().quietHours?.timezone ?? settings().digest.timezone,
  });

  const dispatcher = createDispatcher({ outbox, alerts: deps.alerts, clock, log: deps.log, settings, channels, health: deps.health });

  async function enqueue(channel: string, m: Message, notBefore: number | null): Promise<void> {
    const now = clock.now();
    await outbox.enqueue({
      id: newId(),
      channel,
      kind: m.kind,
      severity: m.severity,
      title: m.title,
      body: m.body,
      payload: m.payload,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: notBefore ?? now,
      held: notBefore !== null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      alertIds: m.alertIds,
    });
  }

  /** One message per channel; in quiet hours the critical alerts go now and the rest wait for the window's end. */
  async function route(kind: MessageKind, alerts: Alert[], only?: (c: Channel, a: Alert) => boolean): Promise<void> {
    const now = clock.now();
    const quietEnd = quietUntil(now, settings().quietHours);
    for (const channel of channels()) {
      const mine = alerts.filter((a) => wants(channel, a) && (only?.(channel, a) ?? true));
      if (mine.length === 0) continue;
      const urgent = quietEnd === null ? mine : mine.filter((a) => a.severity === 'critical' && kind !== 'resolved');
      const later = quietEnd === null ? [] : mine.filter((a) => !urgent.includes(a));
      if (urgent.length > 0) await enqueue(channel.name, alertMessage(kind, urgent, now, formatting()), null);
      if (later.length > 0) await enqueue(channel.name, alertMessage(kind, later, now, formatting()), quietEnd);
    }
  }

  async function flushGroups(force = false): Promise<void> {
    if (windowEnds === null || (!force && clock.now() < windowEnds)) return;
    windowEnds = null;
    const batches = [...pending];
    pending.clear();
    for (const [kind, map] of batches) {
      const alerts = [...map.values()];
      if (kind === 'resolved') {
        // A resolve goes only where the alert itself was (or is about to be) delivered.
        const deliveries = await outbox.deliveries(alerts.map((a) => a.id));
        const told = new Set(deliveries.filter((d) => d.status === 'sent' || d.status === 'pending').map((d) => `${d.alertId}\u0000${d.channel}`));
        await route(kind, alerts, (c, a) => told.has(`${a.id}\u0000${c.name}`));
      } else {
        await route(kind, alerts);
      }
    }
  }

  /** Open, unacknowledged alerts: a reminder after each re-notify interval; never-delivered ones (a restart inside a group window) go out now. */
  async function remind(): Promise<void> {
    const open = (await deps.alerts.list({ status: 'open', limit: 500 })).filter((a) => !isPending(a.id));
    if (open.length === 0) return;
    const now = clock.now();
    const graceMs = settings().groupSeconds * 1000 * 2 + 60_000;
    const rules = deps.getConfig().alerts.rules;
    const last = new Map<string, Delivery>((await outbox.deliveries(open.map((a) => a.id))).map((d) => [`${d.alertId}\u0000${d.channel}`, d]));
    for (const channel of channels()) {
      const fresh: Alert[] = [];
      const reminders: Alert[] = [];
      for (const a of open) {
        if (!wants(channel, a)) continue;
        const d = last.get(`${a.id}\u0000${channel.name}`);
        if (!d) {
          if (now - a.createdAt >= graceMs) fresh.push(a);
          continue;
        }
        const every = ((rules as Partial<Record<string, { renotifyMinutes: number }>>)[a.type]?.renotifyMinutes ?? 0) * 60_000;
        if (every > 0 && d.status === 'sent' && d.sentAt !== null && now - d.sentAt >= every) reminders.push(a);
      }
      if (fresh.length > 0) await route('alert', fresh, (c) => c.name === channel.name);
      if (reminders.length > 0) await route('reminder', reminders, (c) => c.name === channel.name);
    }
  }

  function isPending(alertId: string): boolean {
    for (const map of pending.values()) if (map.has(alertId)) return true;
    return false;
  }

  async function digests(): Promise<void> {
    const now = clock.now();
    const d = settings().digest;
    const due = lastOccurrence(now, d.time, d.timezone);
    for (const channel of channels()) {
      const kinds: ('daily' | 'weekly')[] = [];
      if (channel.config.digest === 'daily' || channel.config.digest === 'both') kinds.push('daily');
      if ((channel.config.digest === 'weekly' || channel.config.digest === 'both') && due.weekday === d.weekday) kinds.push('weekly');
      for (const period of kinds) {
        const kind = period === 'daily' ? 'daily_digest' : 'weekly_digest';
        const last = await outbox.lastOfKind(channel.name, kind);
        // Never one for a time that passed before this process started (a fresh install would report an empty day).
        if ((last !== null && last >= due.at) || (last === null && due.at < startedAt)) continue;
        await sendDigest(period, [channel.name]);
      }
    }
  }

  async function sendDigest(period: 'daily' | 'weekly', names: string[]): Promise<void> {
    const now = clock.now();
    const range = { from: now - (period === 'daily' ? 24 : 168) * HOUR, to: now };
    const [report, open, power] = await Promise.all([
      deps.report(range),
      deps.alerts.list({ status: ['open', 'acknowledged'], limit: 100 }),
      // Power figures that fail to load leave a gross-only digest, not none.
      deps.power
        ? deps.power(range).catch((err) => {
            log.warn({ err: errorMessage(err) }, 'digest without power figures');
            return null;
          })
        : null,
    ]);
    open.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.createdAt - b.createdAt);
    const message = digestMessage(period, report, open, formatting(), power);
    for (const name of names) await enqueue(name, message, null);
  }

  /** Ticks run one after another (the loop's, and the one an alert triggers when grouping is off). */
  let ticking: Promise<void> = Promise.resolve();
  function tick(): Promise<void> {
    const run = ticking.catch(() => undefined).then(tickOnce);
    ticking = run;
    return run;
  }

  async function tickOnce(): Promise<void> {
    await flushGroups();
    const now = clock.now();
    if (now - lastHousekeeping >= 60_000) {
      lastHousekeeping = now;
      await remind().catch((err) => log.warn({ err: errorMessage(err) }, 'reminders failed'));
      await digests().catch((err) => log.warn({ err: errorMessage(err) }, 'digest failed'));
    }
    await dispatcher.run();
  }

  return {
    /** Feed an alert change (from the event bus). Acknowledged alerts stop reminders; nothing is sent for them. */
    onAlert(event: { change: AlertChange; alert: Alert }): void {
      if (stopped || event.change === 'acknowledged' || channels().length === 0) return;
      const { alert } = event;
      if (event.change === 'updated') {
        // Only an escalation is news; a lower severity or new wording waits for the resolve.
        const prior = pending.get('alert')?.get(alert.id);
        if (prior) {
          pending.get('alert')?.set(alert.id, alert);
          return;
        }
        if (alert.details?.previousSeverity === undefined || RANK[alert.severity] <= RANK[alert.details.previousSeverity as keyof typeof RANK]) return;
      }
      if (event.change === 'resolved' && pending.get('alert')?.delete(alert.id)) return; // raised and gone within the window
      const kind = GROUPED[event.change];
      const map = pending.get(kind) ?? new Map<string, Alert>();
      map.set(alert.id, alert);
      pending.set(kind, map);
      windowEnds ??= clock.now() + settings().groupSeconds * 1000;
      if (settings().groupSeconds === 0) void tick().catch(() => undefined);
    },
    tick,
    /** Close the group window now (tests, shutdown). */
    flush: () => flushGroups(true),
    dispatch: () => dispatcher.run(),
    sendDigest,
    /** Send a test message now to one channel or all; each attempt is recorded in the outbox as kind `test`. */
    async test(name?: string): Promise<TestResult[]> {
      const all = channels();
      const targets = name === undefined ? all : all.filter((c) => c.name === name);
      if (name !== undefined && targets.length === 0) {
        throw new OrchaError('ORCHA_ERR_NOT_FOUND', `no notification channel named ${name}`, [{ path: 'channel', message: `${name} is not configured` }]);
      }
      const results: TestResult[] = [];
      await Promise.all(
        targets.map(async (c) => {
          const now = clock.now();
          const m = testMessage(c.name, now, formatting());
          const error = await dispatcher.sendNow(c, m);
          const done = clock.now();
          await outbox.enqueue({
            id: newId(),
            channel: c.name,
            kind: 'test',
            severity: 'info',
            title: m.title,
            body: m.body,
            payload: m.payload,
            status: error === null ? 'sent' : 'failed',
            attempts: 1,
            nextAttemptAt: now,
            held: false,
            lastError: error,
            createdAt: now,
            updatedAt: done,
            sentAt: error === null ? done : null,
          alertIds: [],
          });
          results.push({ channel: c.name, ok: error === null, error });
        }),
      );
      return results.sort((a, b) => a.channel.localeCompare(b.channel));
    },
    async channels(): Promise<ChannelView[]> {
      const [latest, pendingCounts] = await Promise.all([outbox.latestByChannel(), outbox.pendingCount()]);
      const byName = new Map(latest.map((m) => [m.channel, m]));
      return channels().map((c) => {
        const m = byName.get(c.name);
        return {
          name: c.name,
          scheme: c.parsed?.scheme ?? c.display.replace('://', ''),
          target: c.display,
          minSeverity: c.config.minSeverity,
          types: c.config.types ?? null,
          protocols: c.config.protocols ?? null,
          digest: c.config.digest,
          usable: c.parsed !== null,
          error: c.error,
          consecutiveFailures: dispatcher.failures(c.name),
          pending: pendingCounts[c.name] ?? 0,
          lastDelivery: m ? { kind: m.kind, status: m.status, title: m.title, at: m.updatedAt, sentAt: m.sentAt, error: m.lastError } : null,
        };
      });
    },
    deliveries: (alertIds: string[]) => outbox.deliveries(alertIds),
    /** Tick every few seconds until stopped. */
    start(intervalMs = 5000): void {
      if (loop) return;
      stopped = false;
      abort = new AbortController();
      const signal = abort.signal;
      loop = (async () => {
        while (!signal.aborted) {
          try {
            await tick();
          } catch (err) {
            log.warn({ err: errorMessage(err) }, 'notification tick failed');
          }
          try {
            await clock.sleep(intervalMs, signal);
          } catch {
            break;
          }
        }
      })();
    },
    async stop(): Promise<void> {
      stopped = true;
      abort?.abort();
      await loop;
      loop = null;
      // Whatever waits in a group window goes to the outbox, to be sent after the restart.
      await flushGroups(true).catch(() => undefined);
    },
  };
}
export type Notifier = ReturnType<typeof createNotifier>;
