import { toBaseUnits } from '../adapters/units.js';
import { renameField, startSimServer } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import { type OperatorChainState, STREAMR_INDEXER_PATH, STREAMR_RPC_PATH, chainRoutes } from './streamr-chain.sim.js';
import type { Simulator } from './types.js';

/**
 * Streamr node: `/info` diagnostics in the shape of `NetworkNode.getDiagnosticInfo()` (controlLayer, contentLayer).
 * The real node serves no earnings; this simulator also stands in for where they live: a Polygon JSON-RPC endpoint
 * (the Operator contract) and the network indexer's GraphQL, see streamr-chain.sim.ts. Both are served from the same
 * port here, at STREAMR_RPC_PATH and STREAMR_INDEXER_PATH.
 */
export const STREAMR_SIM_OPERATOR = '0x00000000000000000000000000000000000000aa';
export { STREAMR_INDEXER_PATH, STREAMR_RPC_PATH };

export function startStreamrSim(o: NodeSimOptions): Promise<Simulator> {
  let served: number | null = null;
  const chain = (): OperatorChainState => {
    const total = BigInt(toBaseUnits(o.model.cumulativeTokens(), 18));
    served = Number(total / 10n ** 9n) / 1e9;
    return {
      operator: STREAMR_SIM_OPERATOR,
      sponsorships: o.fresh ? [] : [{ address: '0x00000000000000000000000000000000000051a1', earningsWei: total }],
      maxAllowedEarningsWei: total * 2n + 10n ** 18n,
      cumulativeEarningsWei: total,
    };
  };
  return startSimServer({
    name: o.name,
    type: 'streamr',
    model: o.model,
    slowMs: o.slowMs,
    lastServed: () => served,
    drift: (path, reply) =>
      path === '/info' ? renameField(reply, 'contentLayer', 'content_layer') : renameField(reply, 'data.operator.cumulativeEarningsWei', 'cumulativeEarnings'),
    routes: [
      {
        method: 'GET',
        path: '/info',
        handle: () => ({
          json: {
            controlLayer: {
              localPeerDescriptor: { nodeId: 'aa11', type: 0 },
              transport: { connections: [] },
              router: { forwardingTable: [] },
              neighborCount: o.fresh ? 0 : 4,
              nearbyContactCount: o.fresh ? 0 : 8,
              randomContactCount: o.fresh ? 0 : 12,
            },
            contentLayer: { streamParts: o.fresh ? [] : [{ id: `${STREAMR_SIM_OPERATOR}/operator/coordination#0`, info: { neighbors: [] } }] },
          },
        }),
      },
      ...chainRoutes(chain),
    ],
  });
}
