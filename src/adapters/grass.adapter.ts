import { Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import { OrchaError, isOrchaError } from '../lib/errors.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Grass cloud API (no local node API). Points, not tokens: `token` (default GRASS) prices a point. The API rate-limits:
 * after a 429 we make no call until its Retry-After has passed, and report ORCHA_ERR_ADAPTER_RATE_LIMITED meanwhile.
 * The access token goes in `Authorization` as it is, without `Bearer` (as the known clients send it, e.g. CashPilot's
 * collector). `totalPoints` is 0 until an epoch settles and grows when one does; should it ever start again from 0 at
 * a new epoch, the ledger's `epoch` rule counts the new epoch's points from 0 instead of calling it a payout.
 */

export const GrassUserSchema = Type.Object({
  result: Type.Object({ data: Type.Object({ totalPoints: Type.Number({ minimum: 0 }) }) }),
});

export const GrassDevicesSchema = Type.Object({
  result: Type.Object({
    data: Type.Array(
      Type.Object({
        aggUptime: Type.Number(),
        ipScore: Type.Number(),
        multiplier: Type.Number(),
        ipAddress: Type.Optional(Type.String()),
      }),
    ),
  }),
});

export function createGrassAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const token = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  const headers: Record<string, string> = token ? { authorization: token } : {};
  let blockedUntil = 0;

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isOrchaError(err, 'ORCHA_ERR_ADAPTER_RATE_LIMITED')) {
        blockedUntil = Math.max(blockedUntil, deps.clock.now() + ((err.details as { retryAfterMs?: number })?.retryAfterMs ?? 60_000));
      }
      throw err;
    }
  }

  return {
    name: config.name,
    type: 'grass',
    isCloud: true,
    async read(signal): Promise<AdapterReading> {
      const wait = blockedUntil - deps.clock.now();
      if (wait > 0) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_RATE_LIMITED', `retrieveUser: rate-limited, next call in ${Math.ceil(wait / 1000)} s`, {
          retryAfterMs: wait,
        });
      }
      const user = await call(() => http.json(joinUrl(config.endpoint, '/retrieveUser'), GrassUserSchema, { signal, label: 'retrieveUser', headers }));
      const devices = await call(() =>
        http.json(joinUrl(config.endpoint, '/activeDevices'), GrassDevicesSchema, { signal, label: 'activeDevices', headers }),
      );
      const list = devices.result.data;
      return {
        connected: true,
        token: config.token ?? 'GRASS',
        // 0 until the first epoch settles: a real value for a new account.
        cumulativeTokens: user.result.data.totalPoints,
        counterRule: 'epoch',
        resources: {},
        health: {
          // The weakest device decides whether the account earns at full rate.
          ipScore: list.length > 0 ? Math.min(...list.map((d) => d.ipScore)) : null,
          problems: list.length === 0 ? [{ code: 'no-active-devices', message: 'no device is active on the account', severity: 'warning' }] : [],
        },
        info: {
          devices: list.length,
          aggUptimeSeconds: list.reduce((s, d) => s + d.aggUptime, 0),
          ipScore: list.length > 0 ? list.reduce((s, d) => s + d.ipScore, 0) / list.length : 0,
          multiplier: list.length > 0 ? Math.max(...list.map((d) => d.multiplier)) : 0,
        },
      };
    },
  };
}
