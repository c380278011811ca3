import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { type Principal, WS_TOPICS, type WsTopic, topicsForRole } from '../auth/roles.js';
import type { Config } from '../config/schema.js';
import { redactConfig } from '../config/redact.js';
import { type App, role } from './route-types.js';
import { toApi } from './schemas/api-time.js';
import type { AppEventMap, AppEventName } from '../app/events.js';
import type { AppServices } from '../app/types.js';

/**
 * `/ws`: `{type, timestamp, data}` messages on the topics of SPEC §5. Each broadcast is serialized and UTF-8
 * encoded once, and that one buffer is written to every subscriber as a text frame (no per-client JSON or encoding
 * work: with 5,000 clients the fan-out is bounded by the socket writes themselves); a client whose unsent bytes
 * pass `maxBufferedBytes` is dropped, not buffered.
 */
export interface WsOptions {
  /** Unsent bytes a client may accumulate before it is disconnected (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Ping period; a client that has not answered the previous ping is dropped (default 30 s). */
  pingIntervalMs?: number;
  /** Time a client has to send `{type:'auth'}` when it connected without a header (default 10 s). */
  authTimeoutMs?: number;
}

export interface WsHub {
  readonly clientCount: number;
  /** Send `data` to every client subscribed to `topic`. */
  publish(topic: WsTopic, data: unknown): void;
  /** Push the latest snapshot to `metrics` subscribers (the push loop calls this every intervals.push). */
  pushMetrics(): void;
  /** Clients dropped because they stopped reading. */
  readonly dropped: number;
  close(): void;
}

interface Client {
  socket: WebSocket;
  topics: Set<WsTopic>;
  principal: Principal | null;
  authenticated: boolean;
  alive: boolean;
}

const ClientMessage = TypeCompiler.Compile(
  Type.Union([
    Type.Object({ type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 4096 }) }),
    Type.Object({ type: Type.Literal('subscribe'), topics: Type.Array(Type.String(), { maxItems: 20 }) }),
    Type.Object({ type: Type.Literal('unsubscribe'), topics: Type.Array(Type.String(), { maxItems: 20 }) }),
    Type.Object({ type: Type.Literal('ping') }),
  ]),
);

// WebSocket close codes in the private range (4000-4999): HTTP status + 4000.
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_POLICY = 1008;

/** One message as UTF-8 bytes, ready to be written to any number of clients. */
function frame(type: string, data: unknown): Buffer {
  return Buffer.from(JSON.stringify({ type, timestamp: new Date().toISOString(), data }));
}

/** Text frames although the payload is a Buffer (ws would otherwise send a binary frame). */
const TEXT = { binary: false } as const;

export async function registerWebSocket(
  app: App,
  deps: { services: AppServices; config: () => Config; options?: WsOptions },
): Promise<WsHub> {
  const { services } = deps;
  const maxBuffered = deps.options?.maxBufferedBytes ?? 1024 * 1024;
  const pingEvery = deps.options?.pingIntervalMs ?? 30_000;
  const authTimeout = deps.options?.authTimeoutMs ?? 10_000;
  const clients = new Set<Client>();
  let dropped = 0;

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  const allowed = (client: Client): WsTopic[] =>
    client.principal ? topicsForRole(client.principal.role) : services.authenticate ? [] : [...WS_TOPICS];

  function remove(client: Client): void {
    clients.delete(client);
  }

  /** Write or drop: a client that does not drain its buffer is terminated (its memory is freed with it). */
  function send(client: Client, payload: Buffer): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount + payload.length > maxBuffered) {
      dropped++;
      app.log.warn({ buffered: client.socket.bufferedAmount }, 'websocket client too slow; disconnecting');
      remove(client);
      client.socket.terminate();
      return;
    }
    client.socket.send(payload, TEXT);
  }

  function publish(topic: WsTopic, data: unknown): void {
    let payload: Buffer | null = null;
    for (const client of clients) {
      if (!client.topics.has(topic)) continue;
      payload ??= frame(topic, data);
      send(client, payload);
    }
  }

  function reply(client: Client, type: string, data: unknown): void {
    send(client, frame(type, data));
  }

  function changeTopics(client: Client, requested: string[], subscribe: boolean): void {
    const permitted = allowed(client);
    const unknown = requested.filter((t) => !(WS_TOPICS as readonly string[]).includes(t));
    const denied = requested.filter((t) => !unknown.includes(t) && !permitted.includes(t as WsTopic));
    if (unknown.length > 0 || denied.length > 0) {
      reply(client, 'error', {
        code: unknown.length > 0 ? 'ORCHA_ERR_VALIDATION' : 'ORCHA_ERR_FORBIDDEN',
        message: unknown.length > 0 ? `Unknown topics: ${unknown.join(', ')}` : `Not allowed for this role: ${denied.join(', ')}`,
        details: [...unknown, ...denied].map((t) => ({ path: 'topics', message: `${t} is not available` })),
      });
    }
    for (const t of requested) {
      if (!permitted.includes(t as WsTopic)) continue;
      if (subscribe) client.topics.add(t as WsTopic);
      else client.topics.delete(t as WsTopic);
    }
    reply(client, subscribe ? 'subscribed' : 'unsubscribed', { topics: [...client.topics] });
  }

  async function authenticate(client: Client, token: string): Promise<boolean> {
    const principal = services.authenticate ? await services.authenticate(token.replace(/^Bearer\s+/i, '')).catch(() => null) : null;
    if (!principal) {
      reply(client, 'error', { code: 'ORCHA_ERR_UNAUTHORIZED', message: 'Invalid credentials' });
      client.socket.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      return false;
    }
    client.principal = principal;
    client.authenticated = true;
    reply(client, 'authenticated', { name: principal.name, role: principal.role, topics: allowed(client) });
    return true;
  }

  async function onMessage(client: Client, raw: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return reply(client, 'error', { code: 'ORCHA_ERR_VALIDATION', message: 'Messages must be JSON' });
    }
    if (!ClientMessage.Check(message)) {
      return reply(client, 'error', {
        code: 'ORCHA_ERR_VALIDATION',
        message: 'Unknown message; expected auth, subscribe, unsubscribe or ping',
        details: [...ClientMessage.Errors(message)].slice(0, 5).map((e) => ({ path: e.path || '(root)', message: e.message })),
      });
    }
    if (message.type === 'auth') {
      await authenticate(client, message.token);
      return;
    }
    if (!client.authenticated) {
      reply(client, 'error', { code: 'ORCHA_ERR_UNAUTHORIZED', message: 'Send {type:"auth", token} first' });
      client.socket.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      return;
    }
    if (message.type === 'ping') return reply(client, 'pong', {});
    changeTopics(client, message.topics, message.type === 'subscribe');
  }

  async function onConnection(socket: WebSocket, request: FastifyRequest): Promise<void> {
    const client: Client = { socket, topics: new Set(), principal: null, authenticated: !services.authenticate, alive: true };
    clients.add(client);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('close', () => remove(client));
    socket.on('error', () => remove(client));
    // Handle messages one at a time so that `auth` completes before a following `subscribe`.
    let chain = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(CLOSE_POLICY, 'text frames only');
        return;
      }
      chain = chain.then(() => onMessage(client, data.toString())).catch((err) => app.log.warn({ err }, 'websocket message failed'));
    });
    const header = request.headers.authorization;
    if (services.authenticate && header) {
      chain = chain.then(async () => {
        await authenticate(client, header);
      });
    } else if (services.authenticate) {
      setTimeout(() => {
        if (!client.authenticated && socket.readyState === socket.OPEN) socket.close(CLOSE_UNAUTHORIZED, 'authentication timeout');
      }, authTimeout).unref();
    }
    if (!services.authenticate) reply(client, 'welcome', { topics: allowed(client) });
  }

  // The HTTP request itself is public: a client may authenticate with its first message (same rules as REST).
  app.get('/ws', { websocket: true, config: role('public'), schema: { hide: true } as object }, (socket, request) => {
    void onConnection(socket, request);
  });

  const pinger = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        remove(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, pingEvery);
  pinger.unref();

  function anySubscriber(topic: WsTopic): boolean {
    for (const c of clients) if (c.topics.has(topic)) return true;
    return false;
  }

  // What each topic sends: the alert itself for an alert change, config events without secrets.
  const payloads: { [K in Exclude<AppEventName, 'metrics'>]: (data: AppEventMap[K]) => unknown } = {
    alerts: (e) => toApi(e.alert),
    reallocations: (r) => toApi(r),
    config: (e) => redactEvent(e),
    health: (h) => toApi(h),
    operations: (op) => toApi(op),
    hosts: (e) => toApi(e),
  };
  // Remote events too: with several replicas, what happened on another one reaches this one's clients (see
  // app/replica-bridge.ts); metrics, health and config are this replica's own and only come from here.
  const subscribe = <K extends Exclude<AppEventName, 'metrics'>>(topic: K) =>
    services.events.on(topic, (data) => publish(topic, payloads[topic](data)), { remote: true });
  const unsubscribers = (Object.keys(payloads) as Exclude<AppEventName, 'metrics'>[]).map((topic) => subscribe(topic));

  let pushTimer: NodeJS.Timeout | null = null;
  const schedulePush = () => {
    pushTimer = setTimeout(() => {
      hub.pushMetrics();
      schedulePush();
    }, deps.config().intervals.push * 1000);
    pushTimer.unref();
  };

  const hub: WsHub = {
    get clientCount() {
      return clients.size;
    },
    get dropped() {
      return dropped;
    },
    publish,
    pushMetrics() {
      if (!anySubscriber('metrics')) return;
      const snapshot = services.coordinator.latest();
      if (snapshot) publish('metrics', toApi(snapshot));
    },
    close() {
      clearInterval(pinger);
      if (pushTimer) clearTimeout(pushTimer);
      pushTimer = null;
      for (const off of unsubscribers) off();
      for (const client of clients) client.socket.close(1001, 'server shutting down');
      clients.clear();
    },
  };
  // Metrics go out on the push interval, read again before each wait so that a hot reload changes the pace.
  app.addHook('onReady', async () => schedulePush());
  app.addHook('preClose', async () => hub.close());
  return hub;
}

/** Config events may carry a config object: never send its secrets. */
function redactEvent(data: unknown): unknown {
  const event = data as { config?: Config };
  return event && typeof event === 'object' && event.config ? { ...event, config: redactConfig(event.config) } : data;
}
