import { type SimRequest, renameField, startSimServer, unauthorized } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/**
 * Grass cloud API: /retrieveUser (totalPoints, 0 for a new account) and /activeDevices, behind the access token sent
 * as the whole Authorization header (no `Bearer` scheme), as the known clients send it.
 */
export const GRASS_SIM_TOKEN = 'sim-grass-access-token';

export function startGrassSim(o: NodeSimOptions & { token?: string }): Promise<Simulator> {
  const token = o.token ?? GRASS_SIM_TOKEN;
  let served: number | null = null;
  const authed = (req: SimRequest) => req.headers.authorization === token;
  return startSimServer({
    name: o.name,
    type: 'grass',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) => (path === '/retrieveUser' ? renameField(reply, 'result.data.totalPoints', 'total_points') : reply),
    routes: [
      {
        method: 'GET',
        path: '/retrieveUser',
        handle: (req) => {
          if (!authed(req)) return unauthorized();
          // A new account shows 0 until its first epoch settles.
          const points = o.fresh ? 0 : Math.round(o.model.cumulativeTokens() * 1000) / 1000;
          served = points;
          return { json: { result: { data: { userId: 'sim-user', email: 'sim@example.invalid', totalPoints: points, referralCount: 0 } } } };
        },
      },
      {
        method: 'GET',
        path: '/activeDevices',
        handle: (req) => {
          if (!authed(req)) return unauthorized();
          const share = o.model.effectiveShares().bandwidth;
          return {
            json: { result: { data: o.fresh ? [] : [{ aggUptime: 86_400, ipScore: Math.min(100, Math.round(50 + share)), multiplier: 1, ipAddress: '192.0.2.10' }] } },
          };
        },
      },
    ],
  });
}
