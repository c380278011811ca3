import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON messages, checked field by field
type J = any;

let server: TestOrcha;

beforeAll(async () => {
  server = await startTestOrcha({ warmPolls: 3, websocket: { maxBufferedBytes: 256 * 1024 } });
});
afterAll(async () => {
  await server?.close();
});

/** A WebSocket client that keeps every message and can wait for one that matches. */
async function connect(headers: Record<string, string> = {}) {
  const socket = new WebSocket(server.wsUrl, { headers });
  const messages: J[] = [];
  const waiters: { match: (m: J) => boolean; resolve: (m: J) => void }[] = [];
  socket.on('message', (data) => {
    const m = JSON.parse(data.toString());
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = (match: (m: J) => boolean, timeoutMs = 10_000) =>
    new Promise<J>((resolve, reject) => {
      const found = messages.find(match);
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return resolve(found);
      }
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          messages.splice(messages.indexOf(m), 1);
          resolve(m);
        },
      });
    });
  const send = (m: unknown) => socket.send(JSON.stringify(m));
  return { socket, messages, next, send };
}

describe('WebSocket /ws', () => {
  it('pushes metrics to subscribers every push interval, in {type, timestamp, data}', async () => {
    const c = await connect();
    await c.next((m) => m.type === 'welcome');
    c.send({ type: 'subscribe', topics: ['metrics'] });
    expect((await c.next((m) => m.type === 'subscribed')).data.topics).toEqual(['metrics']);
    const first = await c.next((m) => m.type === 'metrics');
    const second = await c.next((m) => m.type === 'metrics');
    expect(first.timestamp).toMatch(/Z$/);
    expect(first.data.protocols).toHaveLength(6);
    expect(Date.parse(second.timestamp)).toBeGreaterThanOrEqual(Date.parse(first.timestamp));
    c.send({ type: 'unsubscribe', topics: ['metrics'] });
    expect((await c.next((m) => m.type === 'unsubscribed')).data.topics).toEqual([]);
    c.send({ type: 'ping' });
    expect((await c.next((m) => m.type === 'pong')).type).toBe('pong');
    c.socket.close();
  });

  it('answers bad messages with an error naming the problem', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', topics: ['weather'] });
    const err = await c.next((m) => m.type === 'error');
    expect(err.data.code).toBe('ORCHA_ERR_VALIDATION');
    expect(err.data.message).toContain('weather');
    c.socket.send('not json');
    expect((await c.next((m) => m.type === 'error')).data.code).toBe('ORCHA_ERR_VALIDATION');
    c.send({ type: 'dance' });
    expect((await c.next((m) => m.type === 'error')).data.code).toBe('ORCHA_ERR_VALIDATION');
    c.socket.close();
  });

  it('sends alerts at once and operation updates', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', topics: ['alerts', 'operations', 'reallocations'] });
    await c.next((m) => m.type === 'subscribed');
    await server.store.alerts.insert({
      id: 'ws-alert',
      type: 'protocol_disconnected',
      severity: 'critical',
      status: 'open',
      dedupKey: 'protocol_disconnected:grass',
      protocol: 'grass',
      message: 'grass is offline',
      details: null,
      createdAt: Date.UTC(2026, 0, 1),
      updatedAt: Date.UTC(2026, 0, 1),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    await fetch(`${server.url}/api/v1/alerts/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['ws-alert'] }),
    });
    const alert = await c.next((m) => m.type === 'alerts' && m.data.id === 'ws-alert');
    expect(alert.data.status).toBe('acknowledged');
    const res = await fetch(`${server.url}/api/v1/reallocate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun: true }),
    });
    const { operationId } = (await res.json()) as { operationId: string };
    const done = await c.next((m) => m.type === 'operations' && m.data.id === operationId && m.data.status === 'completed');
    expect(done.data.kind).toBe('reallocate');
    const decision = await c.next((m) => m.type === 'reallocations');
    expect(decision.data.dryRun).toBe(true);
    c.socket.close();
  });

  it('disconnects a client that stops reading once its buffer bound is passed', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', topics: ['health'] });
    await c.next((m) => m.type === 'subscribed');
    const before = server.app.wsHub.clientCount;
    const droppedBefore = server.app.wsHub.dropped;
    // Stop reading: the kernel buffers fill, then the server-side buffer, then the bound is passed.
    (c.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = { status: 'ok', time: Date.now(), uptimeSeconds: 1, checks: [], filler: 'x'.repeat(512 * 1024) };
    for (let i = 0; i < 200 && server.app.wsHub.dropped === droppedBefore; i++) {
      server.app.wsHub.publish('health', big);
      await new Promise((r) => setImmediate(r));
    }
    expect(server.app.wsHub.dropped).toBe(droppedBefore + 1);
    expect(server.app.wsHub.clientCount).toBe(before - 1);
    c.socket.terminate();
  });
});

describe('config hot reload', () => {
  it('a file edit changes the poll interval without restart and is announced on the config topic', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', topics: ['config', 'alerts'] });
    await c.next((m) => m.type === 'subscribed');
    expect(server.coordinator.intervalMs()).toBe(5000);
    const text = await readFile(server.configPath, 'utf8');
    await writeFile(server.configPath, text.replace(/poll: 5\b/, 'poll: 2'));
    const event = await c.next((m) => m.type === 'config' && m.data.kind === 'applied');
    expect(event.data.changedKeys).toContain('intervals');
    expect(server.coordinator.intervalMs()).toBe(2000);

    await writeFile(server.configPath, text.replace(/poll: 5\b/, 'poll: -3'));
    const rejected = await c.next((m) => m.type === 'config' && m.data.kind === 'rejected');
    expect(rejected.data.errors[0].path).toBe('intervals.poll');
    const alert = await c.next((m) => m.type === 'alerts' && m.data.type === 'config_invalid');
    expect(alert.data.message).toContain('intervals.poll');
    expect(server.configService.current().intervals.poll).toBe(2);
    expect(server.coordinator.intervalMs()).toBe(2000);
    await writeFile(server.configPath, text);
    await c.next((m) => m.type === 'config' && m.data.kind === 'applied');
    c.socket.close();
  });
});

describe('Prometheus /metrics', () => {
  it('exposes the orcha series, and promtool accepts the output', async () => {
    await fetch(`${server.url}/api/v1/status`);
    await server.poll();
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const text = await res.text();
    for (const series of [
      'orcha_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/status",status="200"}',
      'orcha_adapter_breaker_state{protocol="storj"} 0',
      'orcha_protocol_earnings_usd_per_hour{protocol="golem"}',
      'orcha_protocol_allocation_percent{protocol="storj",resource="cpu"}',
      'orcha_alerts_open',
      'orcha_websocket_clients',
      'orcha_operations_queue_depth{priority="critical"}',
      'orcha_adapter_poll_duration_seconds_bucket',
    ]) {
      expect(text, series).toContain(series);
    }
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    expect(promtool, 'promtool (Debian package prometheus) must be installed').toBeDefined();
    const out = execFileSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out).not.toMatch(/error/i);
  });
});

describe('health when the database is down', () => {
  it('answers 503 with the database check down', async () => {
    const own = await startTestOrcha({ warmPolls: 1 });
    try {
      await own.store.close();
      const res = await fetch(`${own.url}/api/v1/health`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as J;
      expect(body.status).toBe('down');
      expect(body.checks.find((c: J) => c.kind === 'database').status).toBe('down');
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});

describe('with security on', () => {
  it('REST needs a token; the WebSocket authenticates by header or first message and filters topics by role', async () => {
    const own = await startTestOrcha({ warmPolls: 1, security: true });
    try {
      const open = await fetch(`${own.url}/api/v1/metrics`);
      expect(open.status).toBe(401);
      expect(((await open.json()) as J).error.code).toBe('ORCHA_ERR_UNAUTHORIZED');
      expect((await fetch(`${own.url}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`${own.url}/docs/json`)).status).toBe(200);
      expect((await fetch(`${own.url}/metrics`)).status).toBe(200);
      const login = await fetch(`${own.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const authed = await fetch(`${own.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(authed.status).toBe(200);

      const viaMessage = new WebSocket(own.wsUrl);
      const got: J[] = [];
      viaMessage.on('message', (d) => got.push(JSON.parse(d.toString())));
      await new Promise((r) => viaMessage.once('open', r));
      viaMessage.send(JSON.stringify({ type: 'auth', token: accessToken }));
      viaMessage.send(JSON.stringify({ type: 'subscribe', topics: ['config', 'metrics'] }));
      await expect.poll(() => got.find((m) => m.type === 'subscribed')).toBeTruthy();
      expect(got.find((m) => m.type === 'authenticated').data.role).toBe('admin');
      expect(got.find((m) => m.type === 'subscribed').data.topics.sort()).toEqual(['config', 'metrics']);
      viaMessage.close();

      const viaHeader = new WebSocket(own.wsUrl, { headers: { authorization: `Bearer ${accessToken}` } });
      const headerMessages: J[] = [];
      viaHeader.on('message', (d) => headerMessages.push(JSON.parse(d.toString())));
      await expect.poll(() => headerMessages.find((m) => m.type === 'authenticated')).toBeTruthy();
      viaHeader.close();

      const forged = new WebSocket(own.wsUrl);
      await new Promise((r) => forged.once('open', r));
      const closed = new Promise<number>((r) => forged.once('close', (code) => r(code)));
      forged.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
      expect(await closed).toBe(4401);

      const unauthenticated = new WebSocket(own.wsUrl);
      await new Promise((r) => unauthenticated.once('open', r));
      const closed2 = new Promise<number>((r) => unauthenticated.once('close', (code) => r(code)));
      unauthenticated.send(JSON.stringify({ type: 'subscribe', topics: ['metrics'] }));
      expect(await closed2).toBe(4401);
    } finally {
      await own.close();
    }
  });
});
