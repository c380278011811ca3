/**
 * Notifications through the real composition root: test-send over the API, the channel list with its last delivery,
 * secrets kept out of GET config, delivery status beside each alert, and a disconnected node reaching a webhook.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read by the test
type J = any;

let hook: RecordingServer;
let orcha: TestOrcha;

beforeAll(async () => {
  hook = await recordingServer({ '/hook': () => ({ body: '{}' }), '/down': () => ({ status: 503, body: 'down' }) });
  orcha = await startTestOrcha({
    config: {
      notifications: {
        channels: [
          { name: 'hook', url: `json://${hook.url.replace('http://', '')}/hook`, secret: 'hmac-secret-value', minSeverity: 'warning' },
          { name: 'down', url: `json://${hook.url.replace('http://', '')}/down?key=tok-123456`, digest: 'none' },
        ],
        groupSeconds: 0,
        dashboardUrl: 'http://orcha.example:8080',
      },
    },
  });
});
afterAll(async () => {
  await orcha?.close();
  await hook?.close();
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(new URL(path, orcha.url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, J> };
};

it('test-send reaches each channel and reports each result; the channel list shows the last delivery, never a secret', async () => {
  const res = await api('POST', '/api/v1/notifications/test', {});
  expect(res.status).toBe(200);
  expect(res.json.results).toEqual([
    { channel: 'down', ok: false, error: expect.stringContaining('HTTP 503') },
    { channel: 'hook', ok: true, error: null },
  ]);
  const sent = hook.requests.find((r) => r.path === '/hook');
  expect(sent?.body).toMatchObject({ kind: 'test', channel: 'hook' });
  expect(sent?.headers['x-orcha-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);

  const one = await api('POST', '/api/v1/notifications/test', { channel: 'nope' });
  expect(one.status).toBe(404);
  expect(one.json.error.details[0].path).toBe('channel');

  const list = await api('GET', '/api/v1/notifications/channels');
  expect(list.json.channels.map((c: { name: string }) => c.name)).toEqual(['hook', 'down']);
  expect(list.json.channels[0]).toMatchObject({ usable: true, lastDelivery: { kind: 'test', status: 'sent' } });
  expect(list.json.channels[1].lastDelivery).toMatchObject({ status: 'failed', error: expect.stringContaining('503') });
  const text = JSON.stringify(list.json) + JSON.stringify((await api('GET', '/api/v1/config')).json);
  expect(text).not.toContain('tok-123456');
  expect(text).not.toContain('hmac-secret-value');
});

it('a node that stays down reaches the webhook once, with a readable message and the delivery status beside the alert', async () => {
  const storj = orcha.sims.sims.get('storj');
  expect(storj).toBeDefined();
  storj?.setFault('http500');
  for (let i = 0; i < 40; i++) await orcha.poll(5000);
  const deadline = Date.now() + 10_000;
  let alerts: Record<string, J>[] = [];
  while (Date.now() < deadline) {
    alerts = (await api('GET', '/api/v1/alerts?status=open&type=protocol_disconnected')).json.alerts;
    if (alerts[0]?.deliveries?.some((d: { channel: string; status: string }) => d.channel === 'hook' && d.status === 'sent')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(alerts[0]).toMatchObject({ protocol: 'storj', deliveries: expect.arrayContaining([expect.objectContaining({ channel: 'hook', status: 'sent' })]) });
  const messages = hook.requests.filter((r) => r.path === '/hook' && (r.body as { kind?: string }).kind === 'alert');
  expect(messages).toHaveLength(1);
  const body = messages[0]?.body as { title: string; message: string };
  expect(body.title).toBe('[CRITICAL] Node disconnected: storj');
  expect(body.message).toMatch(/Node: storj/);
  expect(body.message).toMatch(/Value: \d+ failed polls; threshold: 2 polls/);
  expect(body.message).toMatch(/^Since: 2026-01-01 \d\d:\d\d UTC$/m);
  expect(body.message).toContain('Dashboard: http://orcha.example:8080/#alerts');
});
