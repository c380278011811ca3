/**
 * Channel URLs in the Apprise convention (what self-hosters already write), parsed into the request each service
 * expects. Parsed by hand: `tgram://123:ABC/chat` is not a valid WHATWG URL (the token's colon reads as a port).
 */
import { OrchaError } from '../lib/errors.js';
import type { NotificationsConfig } from './config.js';

export type ChannelTarget =
  | { kind: 'json'; url: string; username?: string; password?: string }
  | { kind: 'ntfy'; url: string; token?: string; username?: string; password?: string; priority?: string; tags?: string }
  | { kind: 'telegram'; apiBase: string; botToken: string; chatIds: string[] }
  | { kind: 'discord'; url: string }
  | { kind: 'slack'; url: string; channel?: string }
  | { kind: 'gotify'; url: string; token: string; priority?: number }
  | { kind: 'pushover'; url: string; userKey: string; token: string; devices: string[]; priority?: number; sound?: string }
  | {
      kind: 'email';
      host: string;
      port: number;
      /** Implicit TLS (port 465); otherwise STARTTLS, required for mailtos. */
      secure: boolean;
      requireTls: boolean;
      username?: string;
      password?: string;
      from: string;
      to: string[];
    };

export const CHANNEL_SCHEMES = ['json', 'jsons', 'ntfy', 'ntfys', 'tgram', 'discord', 'slack', 'gotify', 'gotifys', 'pover', 'mailto', 'mailtos'] as const;
export type ChannelScheme = (typeof CHANNEL_SCHEMES)[number];

export interface ParsedChannel {
  scheme: ChannelScheme;
  target: ChannelTarget;
  /** Parts of the URL that are secrets: scrubbed from every error message and log line. */
  secrets: string[];
}

interface Parts {
  scheme: string;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  path: string[];
  query: URLSearchParams;
}

const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function invalid(message: string): OrchaError {
  return new OrchaError('ORCHA_ERR_VALIDATION', `channel url: ${message}`, [{ path: 'url', message }]);
}

function split(url: string): Parts {
  // No fragments: Apprise writes Slack channels as a path segment, slack://A/B/C/#channel.
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?]*)(?:\?(.*))?$/i.exec(url.trim());
  if (!m) throw invalid('must look like scheme://...');
  const [, scheme = '', authority = '', rawPath = '', rawQuery = ''] = m;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  let hostport = at >= 0 ? authority.slice(at + 1) : authority;
  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = dec(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    password = colon >= 0 ? dec(userinfo.slice(colon + 1)) : undefined;
  }
  let port: number | undefined;
  const pm = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(hostport);
  if (pm) {
    hostport = pm[1] ?? '';
    port = Number(pm[2]);
    if (port < 1 || port > 65535) throw invalid(`port ${port} is out of range`);
  }
  return {
    scheme: scheme.toLowerCase(),
    user,
    password,
    host: dec(hostport),
    port,
    path: rawPath.split('/').filter(Boolean).map(dec),
    query: new URLSearchParams(rawQuery),
  };
}

const hostPort = (p: Parts) => `${p.host}${p.port ? `:${p.port}` : ''}`;
const trimSlash = (s: string) => s.replace(/\/+$/, '');

function requireHost(p: Parts): void {
  if (!p.host || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(p.host)) throw invalid(`${p.scheme}:// needs a host name`);
}

const int = (v: string | null, name: string, min: number, max: number): number | undefined => {
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

const compact = (xs: (string | undefined)[]) => xs.filter((x): x is string => !!x);

/** Parse a channel URL; throws ORCHA_ERR_VALIDATION saying what is wrong (never echoing the URL, which holds secrets). */
export function parseChannelUrl(url: string, endpoints: NotificationsConfig['endpoints']): ParsedChannel {
  const p = split(url);
  const scheme = p.scheme as ChannelScheme;
  if (!(CHANNEL_SCHEMES as readonly string[]).includes(scheme)) {
    throw invalid(`unknown scheme ${p.scheme}:// (supported: ${CHANNEL_SCHEMES.join(', ')})`);
  }
  switch (scheme) {
    case 'json':
    case 'jsons': {
      requireHost(p);
      const proto = scheme === 'jsons' ? 'https' : 'http';
      const q = p.query.toString();
      const target: ChannelTarget = {
        kind: 'json',
        url: `${proto}://${hostPort(p)}/${p.path.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`,
        username: p.user,
        password: p.password,
      };
      // A webhook's key often rides in its query or a long path segment: keep those out of errors and logs too.
      const keys = [...p.query.values()].filter((v) => v.length >= 8).concat(p.path.filter((seg) => seg.length >= 16));
      return { scheme, target, secrets: compact([p.password, ...keys]) };
    }
    case 'ntfy':
    case 'ntfys': {
      // ntfy://topic goes to the default server; ntfy://host[:port]/topic to a self-hosted one.
      let base: string;
      let topic: string;
      if (p.path.length === 0) {
        base = trimSlash(endpoints.ntfy);
        topic = p.host;
      } else {
        requireHost(p);
        base = `${scheme === 'ntfys' ? 'https' : 'http'}://${hostPort(p)}`;
        topic = p.path[p.path.length - 1] ?? '';
      }
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(topic)) throw invalid('ntfy topic must be 1-64 letters, digits, _ or -');
      const token = p.query.get('token') ?? undefined;
      const target: ChannelTarget = {
        kind: 'ntfy',
        url: `${base}/${topic}`,
        token,
        username: p.user,
        password: p.password,
        priority: p.query.get('priority') ?? undefined,
        tags: p.query.get('tags') ?? undefined,
      };
      return { scheme, target, secrets: compact([token, p.password]) };
    }
    case 'tgram': {
      const botToken = p.user !== undefined ? `${p.user}${p.password !== undefined ? `:${p.password}` : ''}` : p.host;
      const full = p.user !== undefined ? `${botToken}` : hostPort(p);
      if (!/^\d+:[A-Za-z0-9_-]+$/.test(full)) throw invalid('tgram://<bot token>/<chat id> needs a bot token like 123456:ABC-DEF');
      const chatIds = p.path;
      if (chatIds.length === 0) throw invalid('tgram:// needs at least one chat id after the bot token');
      return { scheme, target: { kind: 'telegram', apiBase: trimSlash(endpoints.telegram), botToken: full, chatIds }, secrets: [full] };
    }
    case 'discord': {
      const [token] = p.path;
      if (!/^\d+$/.test(p.host) || !token) throw invalid('discord://<webhook id>/<webhook token>');
      return {
        scheme,
        target: { kind: 'discord', url: `${trimSlash(endpoints.discord)}/api/webhooks/${p.host}/${encodeURIComponent(token)}` },
        secrets: [token],
      };
    }
    case 'slack': {
      const [b, c, channel] = p.path;
      const a = p.host;
      if (!a || !b || !c) throw invalid('slack://<token A>/<token B>/<token C>[/#channel]');
      const target: ChannelTarget = {
        kind: 'slack',
        url: `${trimSlash(endpoints.slack)}/services/${[a, b, c].map(encodeURIComponent).join('/')}`,
        channel: channel ? (channel.startsWith('#') || channel.startsWith('@') ? channel : `#${channel}`) : undefined,
      };
      return { scheme, target, secrets: [b, c] };
    }
    case 'gotify':
    case 'gotifys': {
      requireHost(p);
      const token = p.path[p.path.length - 1];
      if (!token) throw invalid(`${scheme}://host[:port][/path]/<app token>`);
      const prefix = p.path.slice(0, -1).map(encodeURIComponent).join('/');
      const url = `${scheme === 'gotifys' ? 'https' : 'http'}://${hostPort(p)}${prefix ? `/${prefix}` : ''}/message`;
      return { scheme, target: { kind: 'gotify', url, token, priority: int(p.query.get('priority'), 'priority', 0, 10) }, secrets: [token] };
    }
    case 'pover': {
      if (!p.user || !p.host) throw invalid('pover://<user key>@<app token>[/device]');
      return {
        scheme,
        target: {
          kind: 'pushover',
          url: `${trimSlash(endpoints.pushover)}/1/messages.json`,
          userKey: p.user,
          token: p.host,
          devices: p.path,
          priority: int(p.query.get('priority'), 'priority', -2, 1),
          sound: p.query.get('sound') ?? undefined,
        },
        secrets: [p.user, p.host],
      };
    }
    case 'mailto':
    case 'mailtos': {
      const smtpHost = p.query.get('smtp') ?? p.host;
      if (!smtpHost || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(smtpHost)) throw invalid(`${scheme}:// needs an SMTP host`);
      const ssl = (p.query.get('mode') ?? '').toLowerCase() === 'ssl';
      const port = p.port ?? (scheme === 'mailto' ? 25 : ssl ? 465 : 587);
      const userAddress = p.user ? (p.user.includes('@') ? p.user : `${p.user}@${p.host}`) : undefined;
      const from = p.query.get('from') ?? userAddress ?? `orcha@${p.host}`;
      const to = (p.query.get('to') ?? userAddress ?? '').split(/[,\s]+/).filter(Boolean);
      const email = /^[^@\s]+@[^@\s]+$/;
      if (to.length === 0) throw invalid(`${scheme}:// needs ?to=address (or a user@host to send to)`);
      for (const a of [from, ...to]) if (!email.test(a)) throw invalid(`${a.includes('@') ? 'an address' : 'a recipient'} is not an e-mail address`);
      return {
        scheme,
        target: {
          kind: 'email',
          host: smtpHost,
          port,
          secure: scheme === 'mailtos' && (ssl || port === 465),
          requireTls: scheme === 'mailtos',
          username: p.user,
          password: p.password,
          from,
          to,
        },
        secrets: compact([p.password]),
      };
    }
  }
}

/** What may be shown of a channel: its scheme and, for self-hosted targets, the host (never a token or password). */
export function describeTarget(parsed: ParsedChannel): string {
  const t = parsed.target;
  const host = (u: string) => {
    try {
      return new URL(u).host;
    } catch {
      return '?';
    }
  };
  switch (t.kind) {
    case 'json':
    case 'ntfy':
    case 'gotify':
      return `${parsed.scheme}://${host(t.url)}`;
    case 'email':
      return `${parsed.scheme}://${t.host}:${t.port} to ${t.to.length} recipient(s)`;
    case 'telegram':
      return `tgram:// to ${t.chatIds.length} chat(s)`;
    default:
      return `${parsed.scheme}://`;
  }
}

/** Replace every secret in a message (error texts from HTTP clients may echo URLs or credentials). */
export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue;
    out = out.split(s).join('[redacted]');
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join('[redacted]');
  }
  return out;
}
