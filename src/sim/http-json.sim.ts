import { bearer, renameField, startSimServer, unauthorized } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/** A cloud balance the `http-json` adapter reads: Honeygain's `/api/v1/users/balances` (`data.payout.usd_cents`). */
export const HONEYGAIN_SIM_TOKEN = 'sim-honeygain-token';
export const HONEYGAIN_SIM_PATH = '/api/v1/users/balances';

export function startHttpJsonSim(o: NodeSimOptions & { token?: string }): Promise<Simulator> {
  const token = o.token ?? HONEYGAIN_SIM_TOKEN;
  let served: number | null = null;
  return startSimServer({
    name: o.name,
    type: 'http-json',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (_path, reply) => renameField(reply, 'data.payout.usd_cents', 'usdCents'),
    routes: [
      {
        method: 'GET',
        path: HONEYGAIN_SIM_PATH,
        handle: (req) => {
          if (bearer(req) !== token) return unauthorized();
          const cents = Math.round(o.model.cumulativeUsd() * 100 * 1e6) / 1e6;
          served = cents / 100;
          return { json: { data: { payout: { credits: cents * 10, usd_cents: cents }, realtime: { credits: 0, usd_cents: 0 }, min_payout: { credits: 200_000, usd_cents: 2000 } } } };
        },
      },
    ],
  });
}
