import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import type { HealthProblem, NodeHealth } from '../domain/health.js';
import { OrchaError, errorMessage, isOrchaError } from '../lib/errors.js';
import { cadenced, sourceIntervalMs } from './cadence.js';
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

/**
 * `GET /sessions?direction=Provided&status=New`: the node's own session history, filtered to sessions it serves that
 * have not ended (mysteriumnetwork/node `tequilapi/endpoints/sessions.go`, `contract/session.go` SessionQuery, paging
 * in `contract/paging.go`; statuses `New`/`Completed`, directions `Provided`/`Consumed` in `consumer/session/history.go`). Local.
 */
export const MystSessionListSchema = Type.Object({ paging: Type.Object({ total_items: Type.Integer({ minimum: 0 }) }) });

/** `GET /node/provider/sessions-count?range=1d` (`contract/node.go` ProviderSessionsCountResponse): relayed, remote. */
export const MystSessionsCountSchema = Type.Object({ count: Type.Integer({ minimum: 0 }) });

export const ACTIVE_SESSIONS_PATH = '/sessions?direction=Provided&status=New&page_size=1';
export const SESSIONS_24H_PATH = '/node/provider/sessions-count?range=1d';

export const MystHealthcheckSchema = Type.Object({ version: Type.String(), uptime: Type.Optional(Type.String()) });

export function mystTotalEarnings(identity: typeof MystIdentitySchema.static): number {
  return fromBaseUnits(identity.earnings_total_tokens.wei, 18, 'identity: earnings_total_tokens.wei');
}

const RENEW_MARGIN_MS = 30_000;

type Outcome<T> = { value: T; problem: null } | { value: null; problem: HealthProblem };
interface Details {
  activity: Outcome<typeof MystActivityStatsSchema.static>;
  quality: Outcome<typeof MystQualitySchema.static>;
  sessions24h: Outcome<typeof MystSessionsCountSchema.static>;
}

/** An optional read: its failure becomes a problem in health and never fails the whole read. */
async function settle<T>(p: Promise<T>, code: string): Promise<Outcome<T>> {
  try {
    return { value: await p, problem: null };
  } catch (err) {
    return { value: null, problem: { code, message: errorMessage(err).slice(0, 400), severity: 'warning' } };
  }
}

export function createMysteriumAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const username = config.credentials?.username ?? 'myst';
  const password = resolveSecret(config.credentials?.password, deps.baseDir, deps.env) ?? 'mystberry';
  let session: { token: string; expiresAt: number } | null = null;
  let discovered: string | undefined;
  // Health every poll: `/healthcheck` (local, no auth: the node is up, its version) and the active sessions. The
  // identity's earnings move when a promise settles: every 5 min. Quality, activity stats and the 24 h session count
  // come from Mysterium's remote services through the node: every 10 min, a failure kept as a problem for as long.
  const identityRead = cadenced<typeof MystIdentitySchema.static>(deps.clock, sourceIntervalMs(config, 'earnings', 300));
  const detailsRead = cadenced<Details>(deps.clock, sourceIntervalMs(config, 'details', 600));

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
      // The node's first identity is looked up once: it does not change while the node runs.
      let id = config.identity ?? discovered;
      if (!id) {
        const list = await get('/identities', MystIdentitiesSchema, 'identities', signal);
        id = list.identities[0]?.id;
        if (!id) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', 'identities: identities: the node has no identity yet');
        discovered = id;
      }
      const identityPath = `/identities/${encodeURIComponent(id)}`;
      const [identity, details, active, healthcheck] = await Promise.all([
        identityRead.get(() => get(identityPath, MystIdentitySchema, 'identity', signal)),
        detailsRead.get(async () => {
          const [activity, quality, sessions24h] = await Promise.all([
            settle(get('/node/provider/activity-stats', MystActivityStatsSchema, 'activity-stats', signal), 'activity-stats-unavailable'),
            settle(get('/node/provider/quality', MystQualitySchema, 'quality', signal), 'quality-unavailable'),
            settle(get(SESSIONS_24H_PATH, MystSessionsCountSchema, 'sessions-count', signal), 'sessions-count-unavailable'),
          ]);
          return { activity, quality, sessions24h };
        }),
        settle(get(ACTIVE_SESSIONS_PATH, MystSessionListSchema, 'sessions', signal), 'sessions-unavailable'),
        http.json(joinUrl(config.endpoint, '/healthcheck'), MystHealthcheckSchema, { signal, label: 'healthcheck' }),
      ]);
      const problems: HealthProblem[] = [details.activity, details.quality, details.sessions24h, active].flatMap((o) => (o.problem ? [o.problem] : []));
      const activity = details.activity.value;
      const quality = details.quality.value;
      const ratio = (percent: number | null) => (percent === null ? null : Math.min(1, Math.max(0, percent / 100)));
      const health: NodeHealth = { problems };
      health.version = healthcheck.version.slice(0, 100);
      if (activity) {
        health.onlineRatio = ratio(activity.online_percent);
        health.activeRatio = ratio(activity.active_percent);
      }
      if (quality) health.quality = quality.quality;
      health.activeSessions = active.value ? active.value.paging.total_items : null;
      health.sessions24h = details.sessions24h.value ? details.sessions24h.value.count : null;
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
