import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

/**
 * The fan-out writes one shared, pre-encoded buffer to every subscriber: check that what arrives is still a TEXT
 * frame (a browser would otherwise get a Blob), identical for every client, and only for subscribers.
 */
let server: TestOrcha;
beforeAll(async () => {
  server = await startTestOrcha({ warmPolls: 2, config: { intervals: { push: 3600 } } });
});
afterAll(async () => {
  await server?.close();
});

interface Frame {
  text: string;
  isBinary: boolean;
}

async function client(subscribe: string[]): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const socket = new WebSocket(server.wsUrl);
  const frames: Frame[] = [];
  socket.on('message', (data, isBinary) => frames.push({ text: data.toString(), isBinary }));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'subscribe', topics: subscribe }));
  await expect.poll(() => frames.some((f) => f.text.startsWith('{"type":"subscribed"'))).toBe(true);
  return { socket, frames };
}

describe('WebSocket fan-out', () => {
  it('sends each metrics push as one identical text frame to every subscriber and to no one else', async () => {
    const subscribers = await Promise.all([client(['metrics']), client(['metrics']), client(['metrics', 'alerts'])]);
    const bystander = await client(['alerts']);
    server.app.wsHub.pushMetrics();
    const metricsOf = (c: { frames: Frame[] }) => c.frames.filter((f) => f.text.startsWith('{"type":"metrics"'));
    await expect.poll(() => subscribers.every((c) => metricsOf(c).length === 1)).toBe(true);
    const [first] = metricsOf(subscribers[0]);
    expect(first.isBinary).toBe(false);
    const parsed = JSON.parse(first.text);
    expect(parsed.timestamp).toMatch(/Z$/);
    expect(parsed.data.protocols.length).toBeGreaterThan(0);
    for (const c of subscribers) expect(metricsOf(c)[0]).toEqual(first);
    expect(metricsOf(bystander)).toHaveLength(0);
    for (const c of [...subscribers, bystander]) c.socket.close();
  });
});
