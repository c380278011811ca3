import { Type } from '@sinclair/typebox';
import type { CounterRule } from '../domain/sample.js';
import { OrchaError } from '../lib/errors.js';
import { type HttpClient, parseBody } from './http.js';
import type { EarningsSource } from './types.js';
import { fromBaseUnits } from './units.js';

/**
 * Where a Streamr operator's earnings are read (the node serves none):
 *
 * - `polygon-rpc`: `eth_call` of `getSponsorshipsAndEarnings()` on the Operator contract (streamr-dev/network-contracts
 *   `packages/network-contracts/contracts/OperatorTokenomics/Operator.sol`): returns `(address[] addresses,
 *   uint[] earnings, uint maxAllowedEarnings)`, the earnings not yet withdrawn from each sponsorship, DATA wei. The sum
 *   drops when earnings are withdrawn into the operator, so it carries the `balance` rule.
 * - `indexer`: the network subgraph's `operator(id) { cumulativeEarningsWei }` (streamr-dev/network-contracts
 *   `packages/network-subgraphs`: `cumulativeEarningsWei = cumulativeProfitsWei + cumulativeOperatorsCutWei`, grown
 *   at every withdrawal's Profit event), a lifetime total: the `total` rule. It moves only when earnings are withdrawn.
 */

/** keccak256("getSponsorshipsAndEarnings()"), first 4 bytes. */
export const GET_SPONSORSHIPS_AND_EARNINGS = '0x2ebd89d1';

export interface StreamrEarnings {
  tokens: number;
  rule: CounterRule;
  sponsorships: number | null;
}

const JsonRpcResponseSchema = Type.Union([
  Type.Object({ jsonrpc: Type.Literal('2.0'), id: Type.Union([Type.Number(), Type.String()]), result: Type.String({ pattern: '^0x[0-9a-fA-F]*$' }) }),
  Type.Object({
    jsonrpc: Type.Literal('2.0'),
    id: Type.Union([Type.Number(), Type.String(), Type.Null()]),
    error: Type.Object({ code: Type.Number(), message: Type.String() }),
  }),
]);

const IndexerErrorsSchema = Type.Object({ errors: Type.Optional(Type.Array(Type.Object({ message: Type.String() }))) });
const IndexerOperatorSchema = Type.Object({
  data: Type.Object({ operator: Type.Object({ cumulativeEarningsWei: Type.String({ pattern: '^[0-9]+$' }) }) }),
});

const WORD = 64;

/** Decode `(address[], uint256[], uint256)` ABI return data into the sponsorship count, the summed earnings and the cap. */
export function decodeSponsorshipsAndEarnings(hex: string): { sponsorships: number; sumWei: bigint; maxAllowedWei: bigint } {
  const data = hex.replace(/^0x/, '');
  const word = (i: number): bigint => {
    const w = data.slice(i * WORD, (i + 1) * WORD);
    if (w.length !== WORD) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `operator-earnings: result: ABI data ends at word ${i}`);
    return BigInt(`0x${w}`);
  };
  const at = (offsetBytes: bigint): number => {
    if (offsetBytes % 32n !== 0n || offsetBytes > BigInt(data.length / 2)) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', 'operator-earnings: result: bad ABI offset');
    }
    return Number(offsetBytes / 32n);
  };
  const addrStart = at(word(0));
  const earnStart = at(word(1));
  const maxAllowedWei = word(2);
  const sponsorships = Number(word(addrStart));
  const count = Number(word(earnStart));
  if (count !== sponsorships || count > 10_000) {
    throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `operator-earnings: result: ${sponsorships} sponsorships but ${count} earnings`);
  }
  let sumWei = 0n;
  for (let i = 0; i < count; i++) sumWei += word(earnStart + 1 + i);
  return { sponsorships, sumWei, maxAllowedWei };
}

export function createPolygonRpcSource(http: HttpClient, url: string, operator: string): EarningsSource {
  let id = 0;
  return {
    async read(signal): Promise<StreamrEarnings> {
      const body = await http.json(url, JsonRpcResponseSchema, {
        signal,
        label: 'operator-earnings',
        method: 'POST',
        body: { jsonrpc: '2.0', id: ++id, method: 'eth_call', params: [{ to: operator, data: GET_SPONSORSHIPS_AND_EARNINGS }, 'latest'] },
      });
      if ('error' in body) throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `operator-earnings: JSON-RPC error ${body.error.code}: ${body.error.message.slice(0, 200)}`);
      const decoded = decodeSponsorshipsAndEarnings(body.result);
      return { tokens: fromBaseUnits(decoded.sumWei.toString(), 18, 'operator-earnings: sum'), rule: 'balance', sponsorships: decoded.sponsorships };
    },
  };
}

export const OPERATOR_EARNINGS_QUERY = 'query OperatorEarnings($id: ID!) { operator(id: $id) { cumulativeEarningsWei } }';

export function createIndexerSource(http: HttpClient, url: string, operator: string): EarningsSource {
  return {
    async read(signal): Promise<StreamrEarnings> {
      const body = await http.json(url, IndexerErrorsSchema, {
        signal,
        label: 'operator-earnings',
        method: 'POST',
        // The subgraph keys entities by the lower-case address.
        body: { query: OPERATOR_EARNINGS_QUERY, variables: { id: operator.toLowerCase() } },
      });
      if (body.errors && body.errors.length > 0) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_HTTP', `operator-earnings: GraphQL error: ${body.errors[0]!.message.slice(0, 200)}`);
      }
      if ((body as { data?: { operator?: unknown } }).data?.operator === null) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `operator-earnings: data.operator: no operator ${operator} in the indexer`);
      }
      const op = parseBody(IndexerOperatorSchema, body, 'operator-earnings').data.operator;
      return { tokens: fromBaseUnits(op.cumulativeEarningsWei, 18, 'operator-earnings: cumulativeEarningsWei'), rule: 'total', sponsorships: null };
    },
  };
}
