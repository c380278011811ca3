/**
 * The replicas' event fan-out on the real Redis: an event published on one replica reaches the remote subscribers
 * (the WebSocket hub) of every other replica on the same database, exactly once, never echoes back, never reaches
 * subscribers that act on events (they ran where it happened), and never crosses to replicas of another database.
 */
import { afterEach, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { type AppEventMap, createEventBus } from '../../src/app/events.js';
import { createReplicaBridge, type ReplicaBridge } from '../../src/app/replica-bridge.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createRedisLink, type RedisLink } from '../../src/infra/redis-link.js';

const REDIS_URL = process.env.ORCHA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

async function replica(name: string, storageKey: string) {
  const link: RedisLink = await createRedisLink({ url: REDIS_URL });
  opened.push(link);
  const events = createEventBus();
  const bridge: ReplicaBridge = await createReplicaBridge({ redis: link, events, replica: name, storageKey, log: silentLogger() });
  opened.push(bridge);
  await bridge.ready();
  const ws: string[] = [];
  const actors: string[] = [];
  events.on('alerts', (e) => void ws.push(`alert:${e.alert.id}`), { remote: true });
  events.on('hosts', (e) => void ws.push(`host:${e.host}:${e.batchId}`), { remote: true });
  events.on('alerts', (e) => void actors.push(`alert:${e.alert.id}`));
  return { events, bridge, ws, actors };
}

const alert = (id: string) => ({ id, type: 'host_silent', severity: 'critical', message: 'm' }) as unknown as Alert;
const report = (host: string, batchId: string): AppEventMap['hosts'] =>
  ({ host, batchId, snapshots: 1, latest: { time: 1, totalUsdPerHour: 0, host: {}, protocols: [] } }) as unknown as AppEventMap['hosts'];

it("delivers one replica's events to the other replicas' WebSocket side once, without echo, and only on the same database", async () => {
  const db = `postgres://test/${Math.random()}`;
  const a = await replica('replica-a', db);
  const b = await replica('replica-b', db);
  const other = await replica('replica-c', `${db}-other`);

  a.events.emit('alerts', { change: 'raised', alert: alert('al-1') });
  b.events.emit('hosts', report('rack-1', 'batch-b-1'));
  // The local subscribers of the emitting replica get it as always; the other replica's hub gets it through Redis.
  await expect.poll(() => b.ws).toEqual(['host:rack-1:batch-b-1', 'alert:al-1']);
  await expect.poll(() => a.ws).toEqual(['alert:al-1', 'host:rack-1:batch-b-1']);
  // Notifications and the like act on the replica where it happened only.
  expect(a.actors).toEqual(['alert:al-1']);
  expect(b.actors).toEqual([]);

  // A marker sent last: once it arrived, nothing else is on its way (no echo, no duplicate).
  a.events.emit('hosts', report('marker', 'batch-end'));
  await expect.poll(() => b.ws.at(-1)).toBe('host:marker:batch-end');
  expect(b.ws).toEqual(['host:rack-1:batch-b-1', 'alert:al-1', 'host:marker:batch-end']);
  expect(a.ws).toEqual(['alert:al-1', 'host:rack-1:batch-b-1', 'host:marker:batch-end']);
  expect(a.bridge.received).toBe(1);
  expect(other.ws).toEqual([]);
  expect(other.bridge.received).toBe(0);
});
