import { toBaseUnits } from '../adapters/units.js';
import { createPrng } from './random.js';
import { type SimReply, type SimRequest, bearer, renameField, startSimServer, unauthorized } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/** TequilAPI: login -> bearer token with expiry, identities, provider stats. Big amounts are bare JSON numbers too. */
export const MYST_SIM_IDENTITY = '0x000000000000000000000000000000000000beef';
const HERMES = '0x80ed28d84792d8b153bf2f25f0c4b7a1381de4ab';
const TOKEN_TTL_MS = 3_600_000;

export function startMysteriumSim(o: NodeSimOptions & { username?: string; password?: string; seed?: number }): Promise<Simulator> {
  const username = o.username ?? 'myst';
  const password = o.password ?? 'mystberry';
  const rand = createPrng(o.seed ?? 1);
  const tokens = new Map<string, number>();
  let served: number | null = null;

  const authed = (req: SimRequest): boolean => {
    const t = bearer(req);
    const exp = t ? tokens.get(t) : undefined;
    return exp !== undefined && o.clock.now() < exp;
  };
  const guard = (req: SimRequest, fn: () => SimReply): SimReply => (authed(req) ? fn() : unauthorized());
  const tokensObj = (myst: number) => {
    const wei = toBaseUnits(myst, 18);
    return { wei, ether: myst.toFixed(18).replace(/\.?0+$/, '') || '0', human: myst.toFixed(6) };
  };

  /** The node writes *big.Int fields as bare numbers past 2^53; the text is built by hand to keep them exact. */
  const identityText = (): string => {
    const myst = o.model.cumulativeTokens();
    const total = tokensObj(myst);
    served = Number(BigInt(total.wei) / 10n ** 9n) / 1e9;
    const body = {
      id: MYST_SIM_IDENTITY,
      registration_status: o.fresh ? 'Unregistered' : 'Registered',
      channel_address: '0x100000000000000000000000000000000000000a',
      balance: '@BAL@',
      earnings: '@EARN@',
      earnings_total: '@TOTAL@',
      balance_tokens: total,
      earnings_tokens: total,
      earnings_total_tokens: total,
      stake: 0,
      hermes_id: HERMES,
      earnings_per_hermes: { [HERMES]: { earnings: total, earnings_total: total } },
    };
    return JSON.stringify(body).replace(/"@(BAL|EARN|TOTAL)@"/g, total.wei);
  };

  // The real node relays these from Mysterium's remote quality service, which is down now and then: 1 h in every 24 h here.
  const qualityServiceDown = () => Math.floor(o.clock.now() / 3_600_000) % 24 === 23;
  const remote500 = (code: string, message: string, path: string): SimReply => ({ status: 500, json: { error: { code, message }, status: 500, path } });

  return startSimServer({
    name: o.name,
    type: 'mysterium',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) => {
      if (path.startsWith('/identities/') && 'text' in reply) {
        return { ...reply, text: reply.text.replace('"earnings_total_tokens"', '"earnings_total_token"') };
      }
      return renameField(reply, 'online_percent', 'onlinePercent');
    },
    routes: [
      { method: 'GET', path: '/healthcheck', handle: () => ({ json: { uptime: '1h0m0s', process: 1, version: '1.35.0', build_info: { branch: 'master', commit: 'abc12345', build_number: '1' } } }) },
      {
        method: 'POST',
        path: /^\/auth\/(authenticate|login)$/,
        handle: (req) => {
          const b = req.body as { username?: unknown; password?: unknown } | undefined;
          if (b?.username !== username || b?.password !== password) {
            return { status: 401, json: { error: { code: 'unauthorized', message: 'Bad credentials' }, status: 401, path: req.path } };
          }
          const token = `sim.${Math.floor(rand() * 1e12).toString(36)}.${Math.floor(rand() * 1e12).toString(36)}`;
          const expires = o.clock.now() + TOKEN_TTL_MS;
          tokens.set(token, expires);
          return { json: { token, expires_at: new Date(expires).toISOString() } };
        },
      },
      { method: 'GET', path: '/identities', handle: (req) => guard(req, () => ({ json: { identities: [{ id: MYST_SIM_IDENTITY }] } })) },
      {
        method: 'GET',
        path: /^\/identities\/(0x[0-9a-fA-F]{40})$/,
        handle: (req, m) =>
          guard(req, () =>
            m?.[1]?.toLowerCase() === MYST_SIM_IDENTITY
              ? { text: identityText(), headers: { 'content-type': 'application/json' } }
              : { status: 404, json: { error: { code: 'not_found', message: 'identity not found' }, status: 404, path: req.path } },
          ),
      },
      {
        method: 'GET',
        path: '/node/provider/activity-stats',
        handle: (req) =>
          guard(req, () =>
            qualityServiceDown()
              ? remote500('err_provider_activity_stats', 'Could not get provider activity stats', req.path)
              : { json: o.fresh ? { online_percent: null, active_percent: null } : { online_percent: o.model.inOutage() ? 0 : 99.5, active_percent: 80 } },
          ),
      },
      {
        method: 'GET',
        path: '/node/provider/quality',
        handle: (req) =>
          guard(req, () => (qualityServiceDown() ? remote500('err_provider_quality', 'Could not get provider quality', req.path) : { json: { quality: o.fresh ? null : 2.4 } })),
      },
      {
        // The node's own session history (local): `status=New` are the sessions it serves now.
        method: 'GET',
        path: '/sessions',
        handle: (req) =>
          guard(req, () => {
            const serving = o.fresh || o.model.inOutage() ? 0 : 3;
            const total = req.query.get('status') === 'New' ? serving : serving + 240;
            const pageSize = Math.max(1, Number(req.query.get('page_size') ?? '50') || 50);
            const pages = Math.ceil(total / pageSize);
            const items = Array.from({ length: Math.min(pageSize, total) }, (_, i) => ({
              id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
              direction: 'Provided',
              consumer_id: '0x00000000000000000000000000000000000c0115',
              hermes_id: HERMES,
              provider_id: MYST_SIM_IDENTITY,
              service_type: 'wireguard',
              provider_country: 'NL',
              created_at: new Date(o.clock.now() - 600_000).toISOString(),
              duration: 600,
              bytes_received: 1024,
              bytes_sent: 4096,
              tokens: 500000,
              status: i < serving ? 'New' : 'Completed',
            }));
            return {
              json: {
                items,
                paging: { total_items: total, total_pages: pages, current_page: 1, previous_page: null, next_page: pages > 1 ? 2 : null },
              },
            };
          }),
      },
      {
        method: 'GET',
        path: '/node/provider/sessions-count',
        handle: (req) =>
          guard(req, () =>
            qualityServiceDown()
              ? remote500('err_provider_sessions_count', 'Could not get provider sessions count', req.path)
              : { json: { count: o.fresh ? 0 : 42 } },
          ),
      },
      {
        method: 'GET',
        path: '/node/provider/service-earnings',
        handle: (req) =>
          guard(req, () => {
            const t = tokensObj(o.model.cumulativeTokens());
            const z = tokensObj(0);
            return { json: { public_tokens: z, data_transfer_tokens: t, scraping_tokens: z, dvpn_tokens: z, monitoring_tokens: z, total_tokens: t } };
          }),
      },
    ],
  });
}
