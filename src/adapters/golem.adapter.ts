import { Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { AdapterReading } from '../domain/sample.js';
import { OrchaError } from '../lib/errors.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Golem provider (yagna). Earnings: `payment_amount_received{platform=...}` from the unauthenticated Prometheus
 * exposition, GLM x 1e9 as a whole number, summed over platforms. The app key (Bearer) is used for the payment API
 * status, which also proves the key works.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Prometheus text exposition (the subset metrics-rs writes). A line that is not a sample is a schema error naming it. */
export function parsePrometheusText(text: string, label = 'metrics'): PromSample[] {
  const out: PromSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    const value = m ? Number(m[3]) : Number.NaN;
    if (!m || Number.isNaN(value)) {
      throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: line ${i + 1}: not a Prometheus sample: ${line.slice(0, 80)}`);
    }
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export const GolemPaymentStatusSchema = Type.Object({
  amount: Type.Union([Type.String(), Type.Number()]),
  reserved: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  driver: Type.Optional(Type.String()),
  network: Type.Optional(Type.String()),
  token: Type.Optional(Type.String()),
});

export const GLM_RECEIVED_METRIC = 'payment_amount_received';

/** GLM received, or null when the exposition has no payment counter yet (a provider that was never paid). */
export function golemReceivedGlm(samples: PromSample[]): number | null {
  const received = samples.filter((s) => s.name === GLM_RECEIVED_METRIC);
  if (received.length === 0) return null;
  return received.reduce((sum, s) => sum + s.value, 0) / 1e9;
}

export function createGolemAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const appKey = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  return {
    name: config.name,
    type: 'golem',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const text = await http.text(joinUrl(config.endpoint, '/metrics-api/v1/expose'), { signal, label: 'metrics', headers: { accept: 'text/plain' } });
      const samples = parsePrometheusText(text);
      const info: Record<string, string | number | boolean> = {};
      for (const s of samples) {
        if (s.name.startsWith('market_agreements_provider_') || s.name.startsWith('payment_invoices_provider_')) {
          info[s.name] = (typeof info[s.name] === 'number' ? (info[s.name] as number) : 0) + s.value;
        }
      }
      if (appKey) {
        const status = await http.json(joinUrl(config.endpoint, '/payment-api/v1/payments/status'), GolemPaymentStatusSchema, {
          signal,
          label: 'payment-status',
          headers: { authorization: `Bearer ${appKey}` },
        });
        info.walletGlm = Number(status.amount);
      }
      // No counter yet is a provider that has not been paid: zero received, said deliberately. But paid invoices
      // without the counter means the metric was renamed: fail loudly rather than report a silent zero.
      const glm = golemReceivedGlm(samples);
      const paidInvoices = samples.filter((s) => s.name === 'payment_invoices_provider_paid').reduce((sum, s) => sum + s.value, 0);
      if (glm === null && paidInvoices > 0) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `metrics: ${GLM_RECEIVED_METRIC}: is required (${paidInvoices} invoices are paid)`);
      }
      info.paymentCounterPresent = glm !== null;
      return { connected: true, token: 'GLM', cumulativeTokens: glm ?? 0, resources: {}, info };
    },
  };
}
