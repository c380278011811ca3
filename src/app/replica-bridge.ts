/**
 * Carries the replicated topics of the event bus between control-plane replicas over Redis pub/sub, so that a
 * WebSocket client of any replica sees what happened on every replica (an alert raised, a decision, an agent's
 * report). Each message names the replica that sent it; a replica ignores its own. Received events are `relay`ed:
 * only subscribers that asked for remote events (the WebSocket hub) get them, so nothing acts twice.
 *
 * Replicas are the processes that share a database: the channel is named after the storage URL, so stores in
 * different databases (or schemas) on one Redis never hear each other. While Redis is away, events stay local
 * (logged once) and the subscription comes back with the connection.
 */
import type { Redis as RedisClient } from 'ioredis';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { RedisLink } from '../infra/redis-link.js';
import { type AppEventMap, type EventBus, REPLICATED_TOPICS, type ReplicatedTopic } from './events.js';
import { redisPrefixes } from '../infra/redis-namespace.js';

export interface ReplicaBridge {
  readonly channel: string;
  /** Messages received from other replicas and relayed. */
  readonly received: number;
  /** Resolves once the subscription is active (tests wait for it before publishing). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

interface Envelope {
  /** Sending replica. */
  r: string;
  t: ReplicatedTopic;
  d: unknown;
}

/** The pub/sub channel of the replicas on one database. */
export function replicaChannel(storageKey: string): string {
  return redisPrefixes(storageKey).events;
}

export async function createReplicaBridge(deps: {
  redis: RedisLink;
  events: Pick<EventBus, 'on' | 'relay'>;
  /** This replica's id (the lease holder id). */
  replica: string;
  /** What identifies the shared database (its URL). */
  storageKey: string;
  log: Logger;
}): Promise<ReplicaBridge> {
  const log = deps.log.child({ module: 'replica-bridge' });
  const channel = replicaChannel(deps.storageKey);
  // A subscribed connection can do nothing else: a second one, which queues its SUBSCRIBE until connected and
  // subscribes again by itself after a reconnect.
  const subscriber: RedisClient = deps.redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  subscriber.on('error', () => undefined);
  let received = 0;
  let subscribed: Promise<void> | null = null;
  const subscribe = () => {
    subscribed ??= subscriber.subscribe(channel).then(
      () => undefined,
      (err: unknown) => {
        subscribed = null;
        throw err;
      },
    );
    return subscribed;
  };
  void subscribe().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'cannot subscribe to other replicas yet'));
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (envelope.r === deps.replica || !(REPLICATED_TOPICS as readonly string[]).includes(envelope.t)) return;
    received++;
    deps.events.relay(envelope.t, envelope.d as AppEventMap[typeof envelope.t]);
  });

  let warned = false;
  const publish = (topic: ReplicatedTopic, data: unknown) => {
    const body = JSON.stringify({ r: deps.replica, t: topic, d: data } satisfies Envelope);
    deps.redis.client.publish(channel, body).then(
      () => {
        warned = false;
      },
      (err: unknown) => {
        if (!warned) log.warn({ err: errorMessage(err) }, 'other replicas miss events while Redis is unavailable');
        warned = true;
      },
    );
  };
  // Local events only (the default): an event relayed from elsewhere is never sent back out.
  const offs = REPLICATED_TOPICS.map((topic) => deps.events.on(topic, (data) => publish(topic, data)));

  return {
    channel,
    get received() {
      return received;
    },
    ready: () => subscribe(),
    async close() {
      for (const off of offs) off();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
