import { toBaseUnits } from '../adapters/units.js';
import { bearer, startSimServer, unauthorized } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/** yagna: Prometheus exposition (no auth) and the payment API (Bearer app key). */
export const GOLEM_SIM_APP_KEY = 'sim-golem-app-key';

export function startGolemSim(o: NodeSimOptions & { appKey?: string }): Promise<Simulator> {
  const appKey = o.appKey ?? GOLEM_SIM_APP_KEY;
  let served: number | null = null;
  let drifted = false;

  const exposition = (): string => {
    const glm = o.model.cumulativeTokens();
    const received = toBaseUnits(glm, 9);
    served = Number(received) / 1e9;
    const paid = Math.floor(o.model.cumulativeUsd() * 10);
    const counter = drifted ? 'payment_amount_received_glm' : 'payment_amount_received';
    return [
      `# metrics snapshot (ts=${Math.floor(o.clock.now() / 1000)}) (prometheus exposition format)`,
      '# TYPE market_agreements_provider_approved counter',
      `market_agreements_provider_approved ${paid + 1}`,
      '# TYPE payment_invoices_provider_paid counter',
      `payment_invoices_provider_paid ${paid}`,
      ...(paid > 0 || glm > 0 ? [`# TYPE ${counter} counter`, `${counter}{platform="erc20-polygon-glm"} ${received}`, `${counter}{platform="erc20-mainnet-glm"} 0`] : []),
      '',
    ].join('\n');
  };

  return startSimServer({
    name: o.name,
    type: 'golem',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) => {
      // The exposition is text: the drift renames the counter, as a metrics upgrade would.
      if (path !== '/metrics-api/v1/expose') return reply;
      drifted = true;
      const text = exposition();
      drifted = false;
      return { text };
    },
    routes: [
      { method: 'GET', path: '/metrics-api/v1/expose', handle: () => ({ text: exposition() }) },
      { method: 'GET', path: '/version/get', handle: () => ({ json: { current: { version: '0.16.0', name: 'sim', seen: false, releaseTs: '2024-01-01T00:00:00', insertionTs: null, updateTs: null } } }) },
      {
        method: 'GET',
        path: '/payment-api/v1/payments/status',
        handle: (req) => {
          if (bearer(req) !== appKey) return unauthorized();
          const glm = o.model.cumulativeTokens().toFixed(9);
          return {
            json: {
              amount: glm,
              reserved: '0',
              driver: 'erc20',
              network: 'polygon',
              token: 'GLM',
              incoming: { requested: { totalAmount: glm, agreementsCount: 1 }, accepted: { totalAmount: glm, agreementsCount: 1 }, confirmed: { totalAmount: glm, agreementsCount: 1 } },
              outgoing: { requested: { totalAmount: '0', agreementsCount: 0 }, accepted: { totalAmount: '0', agreementsCount: 0 }, confirmed: { totalAmount: '0', agreementsCount: 0 } },
            },
          };
        },
      },
    ],
  });
}
