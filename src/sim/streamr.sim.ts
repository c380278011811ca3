import { toBaseUnits } from '../adapters/units.js';
import { renameField, startSimServer } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/**
 * Streamr node: `/info` diagnostics. The real node has no earnings endpoint; this simulator also serves
 * `/operator/earnings`, standing in for the on-chain `Operator.getEarnings()` reader (DATA wei strings).
 */
export const STREAMR_SIM_EARNINGS_PATH = '/operator/earnings';

export function startStreamrSim(o: NodeSimOptions): Promise<Simulator> {
  let served: number | null = null;
  return startSimServer({
    name: o.name,
    type: 'streamr',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) => (path === '/info' ? renameField(reply, 'contentLayer', 'content_layer') : renameField(reply, 'sum', 'total')),
    routes: [
      {
        method: 'GET',
        path: '/info',
        handle: () => ({
          json: {
            controlLayer: { connections: o.fresh ? [] : [{ peerId: 'a1' }, { peerId: 'b2' }], neighbors: [] },
            contentLayer: { neighbors: [], streamParts: o.fresh ? [] : ['0xoperator/stream#0'] },
          },
        }),
      },
      {
        method: 'GET',
        path: STREAMR_SIM_EARNINGS_PATH,
        handle: () => {
          const sum = toBaseUnits(o.model.cumulativeTokens(), 18);
          served = Number(BigInt(sum) / 10n ** 9n) / 1e9;
          return {
            json: {
              sponsorshipAddresses: o.fresh ? [] : ['0x00000000000000000000000000000000000051a1'],
              sum,
              maxAllowedEarnings: (BigInt(sum) * 2n + 10n ** 18n).toString(),
            },
          };
        },
      },
    ],
  });
}
