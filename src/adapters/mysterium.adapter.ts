import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import type { HealthProblem, NodeHealth } from '../domain/health.js';
import { OrchaError, errorMessage, isOrchaError } from '../lib/errors.js';
import { cadenced } from './cadence.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';
import { fromBaseUnits } from './units.js';

/**
 * Mysterium node TequilAPI. Login with username/password gives a bearer token, cached until `expires_at` and renewed
 * once on a 401. Earnings: `earnings_total_tokens.wei` (a monotone lifetime total) read as a string through BigInt;
 * the bare `earnings_total` number is past 2^53 on real nodes and is never used (mysteriumnetwork/node
 * `tequilapi/contract/identity.go`). Activity stats and quality come from Mysterium's remote quality service through
 * the node and answer 500 when it is down or the identity is locked: they are extras that show in health and never
 * block the earnings read. The version comes from `/healthcheck` (no auth).
 */

export const MystAuthSchema = Type.Object({ token: Type.String({ minLength: 1 }), expires_at: Type.String() });

export const MystIdentitiesSchema = Type.Object({ identities: Type.Array(Type.Object({ id: Type.String() })) });

export const MystTokensSchema = Type.Object({ wei: Type.String({ pattern: '^-?[0-9]+$' }), ether: Type.String(), human: Type.String() });

export const MystIdentitySchema = Type.Object({
  id: Type.String(),
  registration_status: Type.Optional(Type.String()),
  earnings_total_tokens: MystTokensSchema,
  earnings_tokens: Type.Optional(MystTokensSchema),
  balance_tokens: Type.Optional(MystTokensSchema),
});

/** Both come from Mysterium's remote quality service; a fresh node gets nulls. */
export const MystActivityStatsSchema = Type.Object({
  online_percent: Type.Union([Type.Number(), Type.Null()]),
  active_percent: Type.Union([Type.Number(), Type.Null()]),
});

export const MystQualitySchema = Type.Object({ quality: Type.Union([Type.Number(), Type.Null()]) });

export const MystHealthcheckSchema = Type.Object({ version: Type.String(), uptime: Type.Optional(Type.String()) });

export function mystTotalEarnings(identity: typeof MystIdentitySchema.static): number {
  return fromBaseUnits(identity.earnings_total_tokens.wei, 18, 'identity: earnings_total_tokens.wei');
}

const RENEW_MARGIN_MS = 30_000;

export function createMysteriumAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const username = config.credentials?.username ?? 'myst';
  const password = resolveSecret(config.credentials?.password, deps.baseDir, deps.env) ?? 'mystberry';
  let session: { token: string; expiresAt: number } | null = null;
  // The version changes with an upgrade, not between polls: asked hourly.
  const versionRead = cadenced<typeof MystHealthcheckSchema.static | null>(deps.clock, 3_600_000);

  async function token(signal: AbortSignal): Promise<string> {
    if (session && deps.clock.now() < session.expiresAt - RENEW_MARGIN_MS) return session.token;
    const auth = await http.json(joinUrl(config.endpoint, '/auth/authenticate'), MystAuthSchema, {
      signal,
      label: 'auth',
      method: 'POST',
      body: { username, password },
    });
    const expiresAt = Date.parse(auth.expires_at);
    if (Number.isNaN(expiresAt)) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', 'auth: expires_at: Expected a date-time');
    session = { token: auth.token, expiresAt };
    return auth.token;
  }

  /** One authenticated GET; a 401 means the token was revoked or the node restarted: log in again once. */
  async function get<S extends TSchema>(path: string, schema: S, label: string, signal: AbortSignal): Promise<Static<S>> {
    const url = joinUrl(config.endpoint, path);
    try {
      return await http.json(url, schema, { signal, label, headers: { authorization: `Bearer ${await token(signal)}` } });
    } catch (err) {
      if (!isOrchaError(err, 'ORCHA_ERR_ADAPTER_AUTH') || (err.details as { status?: number })?.status !== 401) throw err;
      session = null;
      return http.json(url, schema, { signal, label, headers: { authorization: `Bearer ${await token(signal)}` } });
    }
  }

  return {
    name: config.name,
    type: 'mysterium',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      let id = config.identity;
      if (!id) {
        const list = await get('/identities', MystIdentitiesSchema, 'identities', signal);
        id = list.identities[0]?.id;
        if (!id) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', 'identities: identities: the node has no identity yet');
      }
      const problems: HealthProblem[] = [];
      const extra = <T>(p: Promise<T>, code: string): Promise<T | null> =>
        p.catch((err: unknown) => {
          problems.push({ code, message: errorMessage(err).slice(0, 400), severity: 'warning' });
          return null;
        });
      const [identity, activity, quality, healthcheck] = await Promise.all([
        get(`/identities/${encodeURIComponent(id)}`, MystIdentitySchema, 'identity', signal),
        extra(get('/node/provider/activity-stats', MystActivityStatsSchema, 'activity-stats', signal), 'activity-stats-unavailable'),
        extra(get('/node/provider/quality', MystQualitySchema, 'quality', signal), 'quality-unavailable'),
        versionRead.get(() => http.json(joinUrl(config.endpoint, '/healthcheck'), MystHealthcheckSchema, { signal, label: 'healthcheck' }).catch(() => null)),
      ]);
      const ratio = (percent: number | null) => (percent === null ? null : Math.min(1, Math.max(0, percent / 100)));
      const health: NodeHealth = { problems };
      if (healthcheck) health.version = healthcheck.version.slice(0, 100);
      if (activity) {
        health.onlineRatio = ratio(activity.online_percent);
        health.activeRatio = ratio(activity.active_percent);
      }
      if (quality) health.quality = quality.quality;
      if (identity.registration_status && identity.registration_status !== 'Registered') {
        problems.push({ code: 'identity-not-registered', message: `identity registration: ${identity.registration_status}`, severity: 'warning' });
      }
      const reading: AdapterReading = {
        connected: true,
        token: 'MYST',
        cumulativeTokens: mystTotalEarnings(identity),
        counterRule: 'total',
        resources: {},
        health,
        info: { identity: identity.id, ...(identity.registration_status ? { registration: identity.registration_status } : {}) },
      };
      if (activity && activity.online_percent !== null) reading.uptime = ratio(activity.online_percent)!;
      return reading;
    },
  };
}
