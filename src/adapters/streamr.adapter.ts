import { Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { NodeHealth } from '../domain/health.js';
import type { AdapterReading } from '../domain/sample.js';
import { errorMessage } from '../lib/errors.js';
import { cadenced, sourceIntervalMs } from './cadence.js';
import { type HttpClient, createHttpClient, joinUrl } from './http.js';
import { type StreamrEarnings, createIndexerSource, createPolygonRpcSource } from './streamr-earnings.js';
import type { Adapter, AdapterDeps, EarningsSource } from './types.js';
import { fromBaseUnits } from './units.js';

/**
 * Streamr node: health from `/info` (the info plugin, streamr-dev/network `packages/node/src/plugins/info/InfoPlugin.ts`,
 * answering `getDiagnosticInfo()`), read when the plugin's key is configured; earnings from the operator's on-chain
 * record through `earningsSource` (Polygon JSON-RPC or the network indexer, see streamr-earnings.ts), read every
 * `cadence.earnings` (default 5 min). Without a source, earnings are null: unknown, not zero.
 */

export const StreamrInfoSchema = Type.Object({
  controlLayer: Type.Record(Type.String(), Type.Unknown()),
  contentLayer: Type.Record(Type.String(), Type.Unknown()),
});

const Wei = Type.String({ pattern: '^[0-9]+$' });
/** The legacy `earningsUrl` answer: `Operator.getEarnings()` as JSON with DATA wei strings. */
export const OperatorEarningsSchema = Type.Object({
  sponsorshipAddresses: Type.Array(Type.String()),
  sum: Wei,
  maxAllowedEarnings: Wei,
});

export function createHttpEarningsSource(http: HttpClient, url: string, headers: Record<string, string> = {}): EarningsSource {
  return {
    async read(signal): Promise<StreamrEarnings> {
      const body = await http.json(url, OperatorEarningsSchema, { signal, label: 'operator-earnings', headers });
      return { tokens: fromBaseUnits(body.sum, 18, 'operator-earnings: sum'), rule: 'balance', sponsorships: body.sponsorshipAddresses.length };
    },
  };
}

function earningsSourceOf(config: ProtocolConfig, http: HttpClient): EarningsSource | null {
  const s = config.earningsSource;
  if (s) return s.kind === 'indexer' ? createIndexerSource(http, s.url, s.operator) : createPolygonRpcSource(http, s.url, s.operator);
  return config.earningsUrl ? createHttpEarningsSource(http, config.earningsUrl) : null;
}

/** Neighbour counts the diagnostics carry (shapes vary between node versions: counted only when present). */
function infoFacts(info: typeof StreamrInfoSchema.static): Record<string, number> {
  const facts: Record<string, number> = {
    controlLayerKeys: Object.keys(info.controlLayer).length,
    contentLayerKeys: Object.keys(info.contentLayer).length,
  };
  if (typeof info.controlLayer.neighborCount === 'number') facts.neighbors = info.controlLayer.neighborCount;
  if (Array.isArray(info.contentLayer.streamParts)) facts.streamParts = info.contentLayer.streamParts.length;
  return facts;
}

export function createStreamrAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const key = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const source = deps.earningsSource ?? earningsSourceOf(config, http);
  const earnings = cadenced<StreamrEarnings>(deps.clock, sourceIntervalMs(config, 'earnings', 300));
  return {
    name: config.name,
    type: 'streamr',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const health: NodeHealth = { problems: [] };
      const infoRead = http.json(joinUrl(config.endpoint, '/info'), StreamrInfoSchema, { signal, label: 'info', headers });
      const [info, earned] = await Promise.all([
        // With an earnings source, /info (a plugin that needs its key) is health only: its failure shows there.
        source
          ? infoRead.catch((err: unknown) => {
              health.problems.push({ code: 'info-unavailable', message: errorMessage(err).slice(0, 400), severity: 'warning' });
              return null;
            })
          : infoRead,
        source ? earnings.get(() => source.read(signal)) : Promise.resolve(null),
      ]);
      const facts: Record<string, string | number | boolean> = info ? infoFacts(info) : {};
      if (earned?.sponsorships !== null && earned?.sponsorships !== undefined) facts.sponsorships = earned.sponsorships;
      if (!source) health.problems.push({ code: 'no-earnings-source', message: 'no earningsSource configured: earnings unknown', severity: 'info' });
      if (facts.neighbors === 0) health.problems.push({ code: 'no-neighbors', message: 'the node has no neighbours in the network', severity: 'warning' });
      return {
        connected: info !== null || earned !== null,
        token: 'DATA',
        cumulativeTokens: earned ? earned.tokens : null,
        ...(earned ? { counterRule: earned.rule } : {}),
        resources: {},
        health,
        info: facts,
      };
    },
  };
}

