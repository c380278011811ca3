/**
 * Which alerts a channel takes (least severity, types, protocols; never its own failure), and channels whose URL
 * cannot be read: unusable with a reason that names the reference, never the secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildConfig } from '../config/load.js';
import type { Alert } from '../domain/alert.js';
import { resolveChannels, wants } from './channels.js';

const alert = (over: Partial<Alert>): Alert => ({
  id: 'a',
  type: 'protocol_disconnected',
  severity: 'critical',
  status: 'open',
  dedupKey: 'k',
  protocol: 'storj',
  message: 'm',
  details: null,
  createdAt: 0,
  updatedAt: 0,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  ...over,
});

it('a channel takes alerts at or above its least severity, of its types, about its protocols or the whole host', () => {
  const config = buildConfig(
    {
      notifications: {
        channels: [
          { name: 'all', url: 'json://127.0.0.1:1/a', minSeverity: 'info' },
          { name: 'storj-down', url: 'json://127.0.0.1:1/b', types: ['protocol_disconnected', 'notification_failed'], protocols: ['storj'] },
        ],
      },
    },
    {},
  );
  const [all, narrow] = resolveChannels(config, '.', {});
  if (!all || !narrow) throw new Error('two channels expected');
  expect(wants(all, alert({ severity: 'info', type: 'optimization_opportunity' }))).toBe(true);
  expect(wants(narrow, alert({}))).toBe(true);
  expect(wants(narrow, alert({ severity: 'info' }))).toBe(false); // default least severity: warning
  expect(wants(narrow, alert({ protocol: 'golem' }))).toBe(false);
  expect(wants(narrow, alert({ type: 'earnings_drop' }))).toBe(false);
  const failing = (channel: string) => alert({ type: 'notification_failed', severity: 'warning', protocol: null, details: { channel } });
  expect(wants(narrow, failing('all'))).toBe(true); // host-wide: passes the protocol filter
  expect(wants(narrow, failing('storj-down'))).toBe(false); // a channel never hears of its own failure
});

it('a URL from a missing variable or file makes the channel unusable, naming the reference and not the secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-channels-'));
  try {
    writeFileSync(join(dir, 'bad-url'), 'tgram://not-a-token-sekrit/1');
    const config = buildConfig(
      {
        notifications: {
          channels: [
            { name: 'env', url: { env: 'ORCHA_NOPE' } },
            { name: 'file', url: { file: 'bad-url' } },
            { name: 'fine', url: { env: 'ORCHA_HOOK' } },
          ],
        },
      },
      {},
    );
    const [env, file, fine] = resolveChannels(config, dir, { ORCHA_HOOK: 'ntfy://127.0.0.1:9/alerts' });
    expect(env).toMatchObject({ parsed: null, error: expect.stringContaining('ORCHA_NOPE') });
    expect(file?.parsed).toBeNull();
    expect(file?.error).toMatch(/bot token/);
    expect(file?.error).not.toContain('sekrit');
    expect(fine).toMatchObject({ error: null, display: 'ntfy://127.0.0.1:9' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
