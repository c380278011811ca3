/** Configured channels resolved for use: secrets read (env, file), URLs parsed, errors kept per channel. */
import type { Config, SecretRef } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import { errorMessage } from '../lib/errors.js';
import type { Alert } from '../domain/alert.js';
import { type ParsedChannel, describeTarget, parseChannelUrl, scrub } from './channel-url.js';
import type { ChannelConfig } from './config.js';
import { severityAtLeast } from './message.js';

export interface Channel {
  name: string;
  config: ChannelConfig;
  /** null when the URL or a secret could not be read (`error` says why, without the secret). */
  parsed: ParsedChannel | null;
  error: string | null;
  /** json(s)://: HMAC key. */
  secret?: string;
  /** Scheme and, for self-hosted targets, host: safe to show. */
  display: string;
}

export function resolveChannels(config: Config, baseDir: string, env: NodeJS.ProcessEnv): Channel[] {
  return config.notifications.channels.map((c) => {
    const scheme = typeof c.url === 'string' ? (/^([a-z]+):/i.exec(c.url)?.[1] ?? '?') : '?';
    try {
      const url = resolveSecret(c.url as SecretRef, baseDir, env) ?? '';
      const parsed = parseChannelUrl(url, config.notifications.endpoints);
      const secret = resolveSecret(c.secret as SecretRef | undefined, baseDir, env);
      if (secret) parsed.secrets.push(secret);
      return { name: c.name, config: c, parsed, error: null, secret, display: describeTarget(parsed) };
    } catch (err) {
      // The message of a parse error never includes the URL; file and env errors name only the reference.
      const raw = typeof c.url === 'string' ? c.url : '';
      return { name: c.name, config: c, parsed: null, error: scrub(errorMessage(err), [raw]), display: `${scheme}://` };
    }
  });
}

/** Does this alert go to this channel? A channel's own failure alert never goes to that channel. */
export function wants(channel: Channel, alert: Alert): boolean {
  const c = channel.config;
  if (alert.type === 'notification_failed' && alert.details?.channel === channel.name) return false;
  if (!severityAtLeast(alert.severity, c.minSeverity)) return false;
  if (c.types && !c.types.includes(alert.type)) return false;
  if (c.protocols && alert.protocol !== null && !c.protocols.includes(alert.protocol)) return false;
  return true;
}
