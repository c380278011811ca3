/**
 * Each channel against a local receiver speaking the service's real API shape (paths, headers, bodies and answers
 * of the Telegram Bot API, Discord and Slack webhooks, ntfy, Gotify, Pushover, a signed JSON webhook) and a real
 * SMTP server (smtp-server).
 */
import { once } from 'node:events';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../domain/alert.js';
import { parseChannelUrl } from './channel-url.js';
import { alertMessage } from './message.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, send, signBody } from './senders.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let base = '';
const mails: { from: string; to: string[]; data: string; user?: string }[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

/** Answers as each service does: Telegram {ok, result}, Discord 204, Slack "ok", Gotify the message, Pushover {status: 1}. */
function answer(path: string): { status: number; body: string; type?: string } {
  if (/^\/bot\d+:[\w-]+\/sendMessage$/.test(path)) {
    return path.includes('bad')
      ? { status: 401, body: '{"ok":false,"error_code":401,"description":"Unauthorized"}', type: 'application/json' }
      : { status: 200, body: '{"ok":true,"result":{"message_id":1}}', type: 'application/json' };
  }
  if (path.startsWith('/api/webhooks/')) return { status: 204, body: '' };
  if (path.startsWith('/services/')) return { status: 200, body: 'ok', type: 'text/plain' };
  if (path === '/message') return { status: 200, body: '{"id":1}', type: 'application/json' };
  if (path === '/1/messages.json') return { status: 200, body: '{"status":1,"request":"r"}', type: 'application/json' };
  if (path === '/fail') return { status: 500, body: 'boom' };
  return { status: 200, body: '{}', type: 'application/json' };
}

const alert: Alert = {
  id: 'a1',
  type: 'resource_pressure',
  severity: 'critical',
  status: 'open',
  dedupKey: 'resource_pressure:cpu',
  protocol: null,
  message: 'cpu at 99 % (threshold 90 %)',
  details: { resource: 'cpu', percent: 99, threshold: 90 },
  createdAt: Date.UTC(2026, 11, 2, 3, 4),
  updatedAt: Date.UTC(2026, 11, 2, 3, 4),
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
};
const message = () => alertMessage('alert', [alert], Date.UTC(2026, 11, 2, 3, 5), { dashboardUrl: 'http://orcha.local:8080', timezone: 'UTC' });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      seen.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const a = answer(path);
      res.writeHead(a.status, a.type ? { 'content-type': a.type } : {});
      res.end(a.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'ops' && auth.password === 'pw') return cb(null, { user: 'ops' });
      return cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(parts).toString(),
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.close();
  await new Promise<void>((r) => smtp.close(() => r()));
});

const endpoints = () => ({ telegram: base, discord: base, slack: base, pushover: base, ntfy: base });
const last = () => seen[seen.length - 1] as Seen;
const go = (url: string, secret?: string) => send(parseChannelUrl(url, endpoints()).target, message(), { timeoutMs: 5000, secret });

describe('channels against local receivers', () => {
  it('Telegram: sendMessage under the configured API base, one call per chat', async () => {
    await go('tgram://123456:ABC-def_9/-1001/42');
    const calls = seen.slice(-2);
    expect(calls.map((c) => c.path)).toEqual(['/bot123456:ABC-def_9/sendMessage', '/bot123456:ABC-def_9/sendMessage']);
    expect(calls.map((c) => JSON.parse(c.body).chat_id)).toEqual(['-1001', '42']);
    const text = JSON.parse(last().body).text as string;
    expect(text).toContain('[CRITICAL] Resource pressure');
    expect(text).toContain('Value: cpu 99 %; threshold: 90 %');
    expect(text).toContain('Since: 2026-12-02 03:04 UTC');
    expect(text).toContain('http://orcha.local:8080/#alerts');
    await expect(go('tgram://999:bad/1')).rejects.toThrow(/401/);
  });

  it('Discord and Slack incoming webhooks', async () => {
    await go('discord://112233/tok-en');
    expect(last()).toMatchObject({ method: 'POST', path: '/api/webhooks/112233/tok-en' });
    expect(JSON.parse(last().body).content).toContain('**[CRITICAL] Resource pressure**');
    await go('slack://T000/B000/XXXX/#ops');
    expect(last().path).toBe('/services/T000/B000/XXXX');
    expect(JSON.parse(last().body)).toMatchObject({ channel: '#ops' });
    expect(JSON.parse(last().body).text).toContain('cpu at 99 %');
  });

  it('ntfy publish with title, priority, tags, click and a token', async () => {
    const port = new URL(base).port;
    await go(`ntfy://127.0.0.1:${port}/orcha-alerts?token=tk_secret`);
    expect(last().path).toBe('/orcha-alerts');
    expect(last().headers).toMatchObject({
      title: '[CRITICAL] Resource pressure',
      priority: '5',
      tags: 'rotating_light',
      click: 'http://orcha.local:8080/#alerts',
      authorization: 'Bearer tk_secret',
    });
    expect(last().body).toContain('cpu at 99 %');
    await go('ntfy://my-topic');
    expect(last().path).toBe('/my-topic');
  });

  it('Gotify /message with the app token header, Pushover form post', async () => {
    const port = new URL(base).port;
    await go(`gotify://127.0.0.1:${port}/AppToken1`);
    expect(last().path).toBe('/message');
    expect(last().headers['x-gotify-key']).toBe('AppToken1');
    expect(JSON.parse(last().body)).toMatchObject({ title: '[CRITICAL] Resource pressure', priority: 8 });
    await go('pover://userkey1@apptoken1/phone');
    expect(last().path).toBe('/1/messages.json');
    const form = new URLSearchParams(last().body);
    expect(Object.fromEntries(form)).toMatchObject({ token: 'apptoken1', user: 'userkey1', device: 'phone', priority: '1', url: 'http://orcha.local:8080/#alerts' });
  });

  it('JSON webhook: structured body, HMAC-SHA256 signature a receiver can verify', async () => {
    const port = new URL(base).port;
    await go(`json://127.0.0.1:${port}/hook`, 'hmac-key');
    const req = last();
    expect(req.path).toBe('/hook');
    const ts = String(req.headers[TIMESTAMP_HEADER]);
    expect(req.headers[SIGNATURE_HEADER]).toBe(signBody('hmac-key', ts, req.body));
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ kind: 'alert', severity: 'critical', link: 'http://orcha.local:8080/#alerts' });
    expect(body.alerts[0]).toMatchObject({ id: 'a1', type: 'resource_pressure', details: { percent: 99, threshold: 90 } });
    await go(`json://127.0.0.1:${port}/plain`);
    expect(last().headers[SIGNATURE_HEADER]).toBeUndefined();
    await expect(go(`json://127.0.0.1:${port}/fail`)).rejects.toThrow(/HTTP 500/);
  });

  it('mailto: a real SMTP exchange with authentication', async () => {
    await go(`mailto://ops:pw@127.0.0.1:${smtpPort}?from=orcha@example.org&to=me@example.org,you@example.org`);
    const mail = mails[mails.length - 1];
    expect(mail).toMatchObject({ from: 'orcha@example.org', to: ['me@example.org', 'you@example.org'], user: 'ops' });
    expect(mail?.data).toContain('Subject: [CRITICAL] Resource pressure');
    expect(mail?.data).toContain('Value: cpu 99 %; threshold: 90 %');
    await expect(go(`mailto://ops:wrong@127.0.0.1:${smtpPort}?to=me@example.org`)).rejects.toThrow();
  });
});

describe('channel URLs', () => {
  it('names what is wrong without echoing secrets', () => {
    const bad = (u: string) => {
      try {
        parseChannelUrl(u, endpoints());
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad('foo://x')).toMatch(/unknown scheme foo/);
    expect(bad('tgram://notatoken')).toMatch(/bot token/);
    expect(bad('tgram://123:SECRETTOKEN')).toMatch(/chat id/);
    expect(bad('tgram://123:SECRETTOKEN')).not.toContain('SECRETTOKEN');
    expect(bad('mailto://smtp.example.org')).toMatch(/to=/);
    expect(bad('pover://onlytoken')).toMatch(/user key/);
    expect(parseChannelUrl('mailtos://u:p@smtp.example.org?to=a@b.c', endpoints()).target).toMatchObject({ port: 587, requireTls: true, secure: false });
    expect(parseChannelUrl('mailtos://u:p@smtp.example.org?to=a@b.c&mode=ssl', endpoints()).target).toMatchObject({ port: 465, secure: true });
    expect(parseChannelUrl('jsons://h.example/x', endpoints()).target).toMatchObject({ url: 'https://h.example/x' });
  });
});
