import { Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import { type HttpClient, createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps, EarningsSource, OperatorEarnings } from './types.js';
import { fromBaseUnits } from './units.js';

/**
 * Streamr node: `/info` (diagnostics) for health; earnings live in the operator contract on Polygon, read through an
 * EarningsSource. The default source GETs `earningsUrl`, a service answering `Operator.getEarnings()` as JSON with DATA
 * wei strings (the simulator serves one). Without a source, earnings are null: unknown, not zero.
 */

export const StreamrInfoSchema = Type.Object({
  controlLayer: Type.Record(Type.String(), Type.Unknown()),
  contentLayer: Type.Record(Type.String(), Type.Unknown()),
});

const Wei = Type.String({ pattern: '^[0-9]+$' });
export const OperatorEarningsSchema = Type.Object({
  sponsorshipAddresses: Type.Array(Type.String()),
  sum: Wei,
  maxAllowedEarnings: Wei,
});

export function createHttpEarningsSource(http: HttpClient, url: string, headers: Record<string, string> = {}): EarningsSource {
  return {
    async read(signal): Promise<OperatorEarnings> {
      const body = await http.json(url, OperatorEarningsSchema, { signal, label: 'operator-earnings', headers });
      return { sponsorshipAddresses: body.sponsorshipAddresses, sum: BigInt(body.sum), maxAllowedEarnings: BigInt(body.maxAllowedEarnings) };
    },
  };
}

export function createStreamrAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const key = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const source = deps.earningsSource ?? (config.earningsUrl ? createHttpEarningsSource(http, config.earningsUrl) : null);
  return {
    name: config.name,
    type: 'streamr',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const [info, earnings] = await Promise.all([
        http.json(joinUrl(config.endpoint, '/info'), StreamrInfoSchema, { signal, label: 'info', headers }),
        source ? source.read(signal) : Promise.resolve(null),
      ]);
      const facts: Record<string, string | number | boolean> = {
        controlLayerKeys: Object.keys(info.controlLayer).length,
        contentLayerKeys: Object.keys(info.contentLayer).length,
      };
      if (earnings) facts.sponsorships = earnings.sponsorshipAddresses.length;
      return {
        connected: true,
        token: 'DATA',
        cumulativeTokens: earnings ? fromBaseUnits(earnings.sum.toString(), 18, 'operator-earnings: sum') : null,
        resources: {},
        info: facts,
      };
    },
  };
}
