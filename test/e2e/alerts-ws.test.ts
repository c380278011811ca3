/**
 * The WebSocket sends an alert when it opens, changes severity or resolves — not at every poll — for the energy
 * alerts too, whose figures move at every poll: they go through the alert service's gate like every other alert.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse, stringify } from 'yaml';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON messages, checked field by field
type J = any;

let orcha: TestOrcha;
let socket: WebSocket;
const messages: J[] = [];

beforeAll(async () => {
  orcha = await startTestOrcha({
    warmPolls: 2,
    config: {
      // Power at 20 USD/kWh: every simulated node costs more than it earns within the half-hour window.
      coordinator: { breakerHalfOpenAfter: 0.2 },
      energy: { enabled: true, pricePerKwh: 20, estimate: { idleWatts: 40, maxWatts: 140 }, netNegative: { afterHours: 0.5 } },
    },
  });
  socket = new WebSocket(orcha.wsUrl);
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  await until((m) => m.type === 'welcome');
  socket.send(JSON.stringify({ type: 'subscribe', topics: ['alerts', 'config'] }));
  await until((m) => m.type === 'subscribed');
});
afterAll(async () => {
  socket?.close();
  await orcha?.close();
});

async function until(match: (m: J) => boolean, timeoutMs = 15_000): Promise<J> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = messages.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no matching WebSocket message');
}

/** Every message sent before now has arrived: the server answers a ping after what it queued earlier. */
async function drained(): Promise<void> {
  const pongs = messages.filter((m) => m.type === 'pong').length;
  socket.send(JSON.stringify({ type: 'ping' }));
  await until(() => messages.filter((m) => m.type === 'pong').length > pongs);
}

const netNegative = () => messages.filter((m) => m.type === 'alerts' && m.data.type === 'net_negative');

it('a net-negative alert whose figures move at every poll is sent when it opens and when it resolves, never in between', async () => {
  for (let i = 0; i < 60; i++) await orcha.poll(60_000); // an hour, a poll a minute
  await drained();
  const opened = netNegative();
  const protocols = orcha.sims.protocols.map((p) => p.name).sort();
  expect(opened.map((m) => m.data.protocol).sort()).toEqual(protocols);
  expect(opened.every((m) => m.data.status === 'open')).toBe(true);
  // The stored alert kept up with the figures (written quietly) while the socket stayed silent.
  const storj = await orcha.store.alerts.findActiveByKey('net_negative:storj');
  expect(storj?.message).not.toBe(opened.find((m) => m.data.protocol === 'storj')?.data.message);

  // Power becomes free: each alert resolves once the window's net is positive again, and that is sent once.
  const raw = parse(await readFile(orcha.configPath, 'utf8'));
  await writeFile(orcha.configPath, stringify({ ...raw, energy: { ...raw.energy, pricePerKwh: 0 } }));
  await until((m) => m.type === 'config' && m.data.kind === 'applied');
  for (let i = 0; i < 60; i++) await orcha.poll(60_000);
  await drained();
  const all = netNegative();
  expect(all.slice(opened.length).map((m) => `${m.data.protocol}:${m.data.status}`).sort()).toEqual(protocols.map((p) => `${p}:resolved`));
  expect(all).toHaveLength(2 * protocols.length);
});

it('a node that stays down is sent once when its alert opens and once when it resolves, though its poll count grows', async () => {
  const storj = orcha.sims.sims.get('storj');
  const disconnected = () => messages.filter((m) => m.type === 'alerts' && m.data.type === 'protocol_disconnected');
  storj?.setFault('http500');
  for (let i = 0; i < 30; i++) await orcha.poll(60_000);
  await drained();
  expect(disconnected().map((m) => `${m.data.protocol}:${m.data.status}`)).toEqual(['storj:open']);
  const stored = await orcha.store.alerts.findActiveByKey('protocol_disconnected:storj');
  expect(stored?.message).not.toBe(disconnected()[0]?.data.message); // "disconnected for N polls" moved on quietly

  storj?.setFault(null);
  // The breaker's half-open delay runs on real time (0.2 s here): let it pass, then the node answers again.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 15; i++) await orcha.poll(60_000);
  await drained();
  expect(disconnected().map((m) => `${m.data.protocol}:${m.data.status}`)).toEqual(['storj:open', 'storj:resolved']);
});
