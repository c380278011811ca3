/**
 * Delivery to each service in its real API shape: Telegram Bot API sendMessage, Discord and Slack incoming webhooks,
 * ntfy publish, Gotify /message, Pushover /1/messages.json, a JSON webhook (HMAC-SHA256 signed when a secret is
 * set), and SMTP through nodemailer. A send resolves when the service accepted the message and throws otherwise.
 */
import { createHmac } from 'node:crypto';
import type { Severity } from '../domain/alert.js';
import { createDeadline } from '../lib/deadline.js';
import type { ChannelTarget } from './channel-url.js';
import type { Message } from './message.js';

export interface SendOptions {
  timeoutMs: number;
  /** json(s)://: HMAC-SHA256 key for the X-Orcha-Signature header. */
  secret?: string;
}

/** Header names of a signed JSON webhook: signature = hex HMAC-SHA256 of `${timestamp}.${body}`. */
export const SIGNATURE_HEADER = 'x-orcha-signature';
export const TIMESTAMP_HEADER = 'x-orcha-timestamp';

export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const truncate = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const basic = (u: string, p?: string) => `Basic ${Buffer.from(`${u}:${p ?? ''}`).toString('base64')}`;

async function post(
  url: string,
  init: { headers?: Record<string, string>; body: string | URLSearchParams; json?: boolean },
  timeoutMs: number,
): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'orcha-notifier', ...init.headers };
  if (init.json) headers['content-type'] = 'application/json';
  // An explicit timer (lib/deadline.ts; AbortSignal.timeout can be collected on Node 20), left to fire unref'd so it
  // also bounds the caller's read of the answer's body.
  const { signal } = createDeadline(timeoutMs, { unref: true });
  const res = await fetch(url, { method: 'POST', headers, body: init.body, signal, redirect: 'error' });
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 300).replace(/\s+/g, ' ');
    throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
  return res;
}

const NTFY_PRIORITY: Record<Severity, string> = { info: '3', warning: '4', critical: '5' };
const GOTIFY_PRIORITY: Record<Severity, number> = { info: 2, warning: 5, critical: 8 };
/** Pushover: 1 = high (bypasses the user's quiet hours), never 2 (emergency needs acknowledgement parameters). */
const PUSHOVER_PRIORITY: Record<Severity, number> = { info: -1, warning: 0, critical: 1 };

const linkOf = (m: Message): string | undefined => (typeof m.payload.link === 'string' ? m.payload.link : undefined);

export async function send(target: ChannelTarget, m: Message, o: SendOptions): Promise<void> {
  switch (target.kind) {
    case 'json': {
      const body = JSON.stringify({ title: m.title, message: m.body, type: m.kind, severity: m.severity, ...m.payload, version: 1 });
      const headers: Record<string, string> = {};
      if (target.username !== undefined) headers.authorization = basic(target.username, target.password);
      if (o.secret) {
        const ts = String(Math.floor(Date.now() / 1000));
        headers[TIMESTAMP_HEADER] = ts;
        headers[SIGNATURE_HEADER] = signBody(o.secret, ts, body);
      }
      await post(target.url, { headers, body, json: true }, o.timeoutMs);
      return;
    }
    case 'ntfy': {
      // Header values must be Latin-1: non-ASCII titles go through RFC 2047 encoding, which ntfy decodes.
      const ascii = /^[\x20-\x7e]*$/.test(m.title);
      const headers: Record<string, string> = {
        title: ascii ? m.title : `=?UTF-8?B?${Buffer.from(m.title).toString('base64')}?=`,
        priority: target.priority ?? NTFY_PRIORITY[m.severity],
        tags: target.tags ?? (m.kind === 'resolved' ? 'white_check_mark' : m.severity === 'critical' ? 'rotating_light' : m.severity === 'warning' ? 'warning' : 'information_source'),
      };
      const link = linkOf(m);
      if (link) headers.click = link;
      if (target.token) headers.authorization = `Bearer ${target.token}`;
      else if (target.username !== undefined) headers.authorization = basic(target.username, target.password);
      await post(target.url, { headers, body: m.body }, o.timeoutMs);
      return;
    }
    case 'telegram': {
      for (const chatId of target.chatIds) {
        const res = await post(
          `${target.apiBase}/bot${target.botToken}/sendMessage`,
          {
            body: JSON.stringify({ chat_id: chatId, text: truncate(`${m.title}\n\n${m.body}`, 4096), disable_web_page_preview: true }),
            json: true,
          },
          o.timeoutMs,
        );
        const answer = (await res.json().catch(() => null)) as { ok?: boolean; description?: string } | null;
        if (!answer?.ok) throw new Error(`Telegram refused the message${answer?.description ? `: ${answer.description}` : ''}`);
      }
      return;
    }
    case 'discord': {
      await post(
        target.url,
        { body: JSON.stringify({ username: 'orcha', content: truncate(`**${m.title}**\n${m.body}`, 2000), allowed_mentions: { parse: [] } }), json: true },
        o.timeoutMs,
      );
      return;
    }
    case 'slack': {
      const payload: Record<string, unknown> = { text: truncate(`*${m.title}*\n${m.body}`, 39_000), username: 'orcha' };
      if (target.channel) payload.channel = target.channel;
      await post(target.url, { body: JSON.stringify(payload), json: true }, o.timeoutMs);
      return;
    }
    case 'gotify': {
      const link = linkOf(m);
      await post(
        target.url,
        {
          headers: { 'x-gotify-key': target.token },
          body: JSON.stringify({
            title: m.title,
            message: m.body,
            priority: target.priority ?? GOTIFY_PRIORITY[m.severity],
            ...(link ? { extras: { 'client::notification': { click: { url: link } } } } : {}),
          }),
          json: true,
        },
        o.timeoutMs,
      );
      return;
    }
    case 'pushover': {
      const form = new URLSearchParams({
        token: target.token,
        user: target.userKey,
        title: truncate(m.title, 250),
        message: truncate(m.body, 1024),
        priority: String(target.priority ?? PUSHOVER_PRIORITY[m.severity]),
      });
      const link = linkOf(m);
      if (link) {
        form.set('url', link);
        form.set('url_title', 'Open the orcha dashboard');
      }
      if (target.devices.length > 0) form.set('device', target.devices.join(','));
      if (target.sound) form.set('sound', target.sound);
      const res = await post(target.url, { body: form }, o.timeoutMs);
      const answer = (await res.json().catch(() => null)) as { status?: number; errors?: string[] } | null;
      if (answer?.status !== 1) throw new Error(`Pushover refused the message${answer?.errors ? `: ${answer.errors.join('; ')}` : ''}`);
      return;
    }
    case 'email': {
      const { createTransport } = await import('nodemailer');
      const transport = createTransport({
        host: target.host,
        port: target.port,
        secure: target.secure,
        requireTLS: target.requireTls,
        auth: target.username !== undefined && target.password !== undefined ? { user: target.username, pass: target.password } : undefined,
        connectionTimeout: o.timeoutMs,
        greetingTimeout: o.timeoutMs,
        socketTimeout: o.timeoutMs,
      });
      try {
        await transport.sendMail({ from: `orcha <${target.from}>`, to: target.to, subject: m.title, text: m.body });
      } finally {
        transport.close();
      }
      return;
    }
  }
}
