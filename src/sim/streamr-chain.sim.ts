import { GET_SPONSORSHIPS_AND_EARNINGS } from '../adapters/streamr-earnings.js';
import type { SimReply, SimRequest, SimRoute } from './server.js';

/**
 * A stand-in for where a Streamr operator's earnings really live: a Polygon JSON-RPC node answering `eth_call` of the
 * Operator contract's `getSponsorshipsAndEarnings()` (ABI-encoded `(address[], uint[], uint)`), and the network
 * indexer's GraphQL `operator(id) { cumulativeEarningsWei }`. Requests are checked as a real node would: wrong method,
 * contract or selector get the JSON-RPC error a node gives, an unknown operator gets `operator: null`.
 */

export interface OperatorChainState {
  operator: string;
  /** Unwithdrawn earnings per sponsorship, DATA wei. */
  sponsorships: { address: string; earningsWei: bigint }[];
  maxAllowedEarningsWei: bigint;
  /** Lifetime earnings as the indexer reports them, DATA wei. */
  cumulativeEarningsWei: bigint;
}

export const STREAMR_RPC_PATH = '/polygon-rpc';
export const STREAMR_INDEXER_PATH = '/subgraphs/network';

const word = (v: bigint): string => v.toString(16).padStart(64, '0');

export function encodeSponsorshipsAndEarnings(state: Pick<OperatorChainState, 'sponsorships' | 'maxAllowedEarningsWei'>): string {
  const n = BigInt(state.sponsorships.length);
  const addrOffset = 3n * 32n;
  const earnOffset = addrOffset + 32n + n * 32n;
  const addresses = state.sponsorships.map((s) => word(BigInt(s.address)));
  const earnings = state.sponsorships.map((s) => word(s.earningsWei));
  return `0x${word(addrOffset)}${word(earnOffset)}${word(state.maxAllowedEarningsWei)}${word(n)}${addresses.join('')}${word(n)}${earnings.join('')}`;
}

function rpcError(id: unknown, code: number, message: string): SimReply {
  return { json: { jsonrpc: '2.0', id: id ?? null, error: { code, message } } };
}

export function handleJsonRpc(req: SimRequest, state: () => OperatorChainState): SimReply {
  const body = req.body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | null;
  if (!body || body.jsonrpc !== '2.0') return rpcError(null, -32600, 'invalid request');
  if (body.method !== 'eth_call') return rpcError(body.id, -32601, `the method ${String(body.method)} does not exist/is not available`);
  const call = Array.isArray(body.params) ? (body.params[0] as { to?: string; data?: string } | undefined) : undefined;
  const s = state();
  // A call to an address without code returns empty data, as on chain.
  if (!call?.to || call.to.toLowerCase() !== s.operator.toLowerCase()) return { json: { jsonrpc: '2.0', id: body.id, result: '0x' } };
  if (call.data !== GET_SPONSORSHIPS_AND_EARNINGS) return rpcError(body.id, 3, 'execution reverted');
  return { json: { jsonrpc: '2.0', id: body.id, result: encodeSponsorshipsAndEarnings(s) } };
}

export function handleIndexerQuery(req: SimRequest, state: () => OperatorChainState): SimReply {
  const body = req.body as { query?: unknown; variables?: { id?: unknown } } | null;
  if (!body || typeof body.query !== 'string') return { status: 400, json: { errors: [{ message: 'query is required' }] } };
  if (!/operator\s*\(\s*id:\s*\$id\s*\)\s*\{\s*cumulativeEarningsWei\s*\}/.test(body.query)) {
    return { json: { errors: [{ message: 'this stub answers only operator(id) { cumulativeEarningsWei }' }] } };
  }
  const s = state();
  const found = body.variables?.id === s.operator.toLowerCase();
  return { json: { data: { operator: found ? { cumulativeEarningsWei: s.cumulativeEarningsWei.toString() } : null } } };
}

export function chainRoutes(state: () => OperatorChainState): SimRoute[] {
  return [
    { method: 'POST', path: STREAMR_RPC_PATH, handle: (req) => handleJsonRpc(req, state) },
    { method: 'POST', path: STREAMR_INDEXER_PATH, handle: (req) => handleIndexerQuery(req, state) },
  ];
}
