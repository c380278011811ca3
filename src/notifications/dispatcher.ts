/**
 * Delivers the outbox: due messages per channel (channels in parallel, one message at a time per channel), a token
 * bucket per channel (bursts of 5, then `maxPerHour`), retries with exponential backoff, and a count of consecutive
 * failures per channel that raises the channel's own alert (and resolves it on the next success).
 */
import type { OutboxMessage } from '../domain/notification.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { AlertsRepository, NotificationOutboxRepository } from '../store/types.js';
import { scrub } from './channel-url.js';
import type { Channel } from './channels.js';
import type { NotificationsConfig } from './config.js';
import type { Message } from './message.js';
import { send } from './senders.js';

export interface ChannelHealth {
  /** Raised when a channel reaches `failingAfter` consecutive failures; resolved by its next success. */
  failing(channel: string, failures: number, threshold: number, error: string): Promise<void>;
  recovered(channel: string): Promise<void>;
}

export interface DispatcherDeps {
  outbox: NotificationOutboxRepository;
  alerts: AlertsRepository;
  clock: Clock;
  log: Logger;
  settings: () => NotificationsConfig;
  channels: () => Channel[];
  health?: ChannelHealth;
}

const BURST = 5;
const HOUR = 3_600_000;

export function createDispatcher(deps: DispatcherDeps) {
  const { outbox, clock } = deps;
  const log = deps.log.child({ module: 'notifications' });
  const buckets = new Map<string, { tokens: number; at: number }>();
  const failures = new Map<string, number>();
  let running: Promise<number> | null = null;

  /** Take a token; returns 0 when sent may proceed, else the ms until the next token. */
  function takeToken(channel: Channel, now: number): number {
    const perHour = channel.config.maxPerHour;
    const cap = Math.min(BURST, perHour);
    const b = buckets.get(channel.name) ?? { tokens: cap, at: now };
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) * perHour) / HOUR);
    b.at = now;
    buckets.set(channel.name, b);
    // A token due at exactly this instant counts (floating-point dust must not delay it by a whole interval).
    if (b.tokens >= 1 - 1e-9) {
      b.tokens = Math.max(0, b.tokens - 1);
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * HOUR) / perHour);
  }

  async function deliver(channel: Channel, m: Pick<Message, 'kind' | 'severity' | 'title' | 'body' | 'payload'>): Promise<string | null> {
    if (!channel.parsed) return channel.error ?? 'channel is not usable';
    try {
      await send(channel.parsed.target, { ...m, alertIds: [] }, { timeoutMs: deps.settings().timeout * 1000, secret: channel.secret });
      return null;
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      const text = `${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ''}`;
      return scrub(text, channel.parsed.secrets).slice(0, 500);
    }
  }

  async function noteResult(channel: string, error: string | null): Promise<void> {
    if (error === null) {
      const had = failures.get(channel) ?? 0;
      failures.set(channel, 0);
      if (had >= deps.settings().failingAfter) await deps.health?.recovered(channel).catch(() => undefined);
      return;
    }
    const n = (failures.get(channel) ?? 0) + 1;
    failures.set(channel, n);
    const threshold = deps.settings().failingAfter;
    if (n >= threshold) await deps.health?.failing(channel, n, threshold, error).catch(() => undefined);
  }

  /** A message held by quiet hours is dropped if what it reports is over. */
  async function stillNews(m: OutboxMessage): Promise<boolean> {
    if (!m.held || m.alertIds.length === 0) return true;
    const alerts = await Promise.all(m.alertIds.map((id) => deps.alerts.get(id)));
    if (m.kind === 'resolved') {
      // A resolve is news only where the alert itself went out.
      const delivered = await outbox.list({ channel: m.channel, limit: 500 });
      return delivered.some((d) => d.status === 'sent' && d.kind !== 'resolved' && d.alertIds.some((id) => m.alertIds.includes(id)));
    }
    return alerts.some((a) => a && a.status === 'open');
  }

  /** `queued`: this message and the ones after it on the same channel (held together when the rate limit is hit). */
  async function deliverOne(channel: Channel | undefined, m: OutboxMessage, queued: OutboxMessage[]): Promise<boolean> {
    const now = clock.now();
    if (!channel) {
      await outbox.update(m.id, { status: 'failed', lastError: 'channel is no longer configured', updatedAt: now });
      return true;
    }
    if (!(await stillNews(m))) {
      await outbox.update(m.id, { status: 'suppressed', lastError: 'resolved before quiet hours ended', updatedAt: now });
      return true;
    }
    const wait = takeToken(channel, now);
    if (wait > 0) {
      // The rest of this channel's queue waits with it, so it stays in order and out of the other channels' way.
      for (const held of queued) await outbox.update(held.id, { nextAttemptAt: now + wait, lastError: 'rate limited; waiting', updatedAt: now });
      return false;
    }
    const error = await deliver(channel, { ...m, payload: m.payload ?? {} });
    const attempts = m.attempts + 1;
    const done = clock.now();
    if (error === null) {
      await outbox.update(m.id, { status: 'sent', attempts, sentAt: done, lastError: null, updatedAt: done });
      log.info({ channel: channel.name, kind: m.kind, alerts: m.alertIds.length }, 'notification sent');
    } else {
      const r = deps.settings().retry;
      if (attempts >= r.maxAttempts) {
        await outbox.update(m.id, { status: 'failed', attempts, lastError: error, updatedAt: done });
        log.warn({ channel: channel.name, kind: m.kind, attempts, error }, 'notification given up');
      } else {
        const backoff = Math.min(r.maxSeconds, r.initialSeconds * 2 ** (attempts - 1)) * 1000;
        await outbox.update(m.id, { attempts, nextAttemptAt: done + backoff, lastError: error, updatedAt: done });
        log.warn({ channel: channel.name, kind: m.kind, attempts, retryInS: backoff / 1000, error }, 'notification failed; will retry');
      }
    }
    await noteResult(channel.name, error);
    return error === null;
  }

  async function runOnce(): Promise<number> {
    const due = await outbox.due(clock.now(), 200);
    const byChannel = new Map<string, OutboxMessage[]>();
    for (const m of due) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
    // Within a channel, oldest first: messages held back by the rate limit go out in the order they were queued.
    for (const list of byChannel.values()) list.sort((a, b) => a.createdAt - b.createdAt);
    const channels = new Map(deps.channels().map((c) => [c.name, c]));
    let sent = 0;
    await Promise.all(
      [...byChannel].map(async ([name, list]) => {
        for (const [i, m] of list.entries()) {
          try {
            if (await deliverOne(channels.get(name), m, list.slice(i))) sent++;
            // a failing or rate-limited channel: the rest of its queue waits for the next round
            else break;
          } catch (err) {
            log.warn({ channel: name, err: errorMessage(err) }, 'outbox delivery failed');
            break;
          }
        }
      }),
    );
    return sent;
  }

  return {
    /** Send what is due; concurrent calls share one run. Returns the messages handed over. */
    run(): Promise<number> {
      running ??= runOnce().finally(() => {
        running = null;
      });
      return running;
    },
    /** Send now, outside the queue and its rate limit (test-send); returns the error or null. */
    async sendNow(channel: Channel, m: Message): Promise<string | null> {
      const error = await deliver(channel, m);
      await noteResult(channel.name, error);
      return error;
    },
    failures: (channel: string) => failures.get(channel) ?? 0,
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
