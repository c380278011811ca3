import { Type } from '@sinclair/typebox';
import { resolveSecret } from '../config/load.js';
import type { ProtocolConfig } from '../config/schema.js';
import type { HealthProblem, NodeHealth } from '../domain/health.js';
import type { AdapterReading } from '../domain/sample.js';
import { OrchaError } from '../lib/errors.js';
import { cadenced, sourceIntervalMs } from './cadence.js';
import { GolemPaymentStatusSchema, createPaymentsLedger, driverProblems, isMainnetPlatform } from './golem-payments.js';
import { createHttpClient, joinUrl } from './http.js';
import type { Adapter, AdapterDeps } from './types.js';

/**
 * Golem provider (yagna). With an app key (Bearer), earnings are the lasting total of mainnet payments received
 * (`GET /payment-api/v1/payments`, see golem-payments.ts) and health is the payment drivers' problem list. Without one,
 * only the unauthenticated Prometheus exposition is readable: `payment_amount_received{platform}` (GLM x 1e9, mainnet
 * platforms only), an in-process counter that restarts at 0 with yagna, and the status says so.
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

export const GLM_RECEIVED_METRIC = 'payment_amount_received';

/** GLM received on mainnet platforms, or null when the exposition has no payment counter (a provider never paid). */
export function golemReceivedGlm(samples: PromSample[]): number | null {
  const received = samples.filter((s) => s.name === GLM_RECEIVED_METRIC);
  if (received.length === 0) return null;
  return received.filter((s) => isMainnetPlatform(s.labels.platform ?? '')).reduce((sum, s) => sum + s.value, 0) / 1e9;
}

/** Test GLM (holesky, hoodi): shown, never counted as money. */
export function golemTestnetGlm(samples: PromSample[]): number {
  return samples.filter((s) => s.name === GLM_RECEIVED_METRIC && !isMainnetPlatform(s.labels.platform ?? '')).reduce((sum, s) => sum + s.value, 0) / 1e9;
}

export const GolemVersionSchema = Type.Object({
  current: Type.Object({ version: Type.String() }),
  pending: Type.Optional(Type.Union([Type.Object({ version: Type.String() }), Type.Null()])),
});

export function createGolemAdapter(config: ProtocolConfig, deps: AdapterDeps): Adapter {
  const http = createHttpClient({ fetch: deps.fetch, now: () => deps.clock.now() });
  const appKey = resolveSecret(config.credentials?.token, deps.baseDir, deps.env);
  const auth: Record<string, string> = appKey ? { authorization: `Bearer ${appKey}` } : {};
  const payments = createPaymentsLedger(http, config.endpoint);
  // Versions change with an upgrade, not between polls: asked hourly.
  const versionRead = cadenced<typeof GolemVersionSchema.static | null>(deps.clock, sourceIntervalMs(config, 'version', 3600));
  // The payment list grows when an invoice is paid (minutes apart at best): read every 5 min; the drivers' problems
  // (health) every poll. A history still being paged in is read every poll until it is caught up.
  const paymentsRead = cadenced<number>(deps.clock, sourceIntervalMs(config, 'earnings', 300));

  return {
    name: config.name,
    type: 'golem',
    isCloud: false,
    async read(signal): Promise<AdapterReading> {
      const [text, version] = await Promise.all([
        http.text(joinUrl(config.endpoint, '/metrics-api/v1/expose'), { signal, label: 'metrics', headers: { accept: 'text/plain' } }),
        // The version is an extra: an old yagna without it still reports earnings.
        versionRead.get(() => http.json(joinUrl(config.endpoint, '/version/get'), GolemVersionSchema, { signal, label: 'version' }).catch(() => null)),
      ]);
      const samples = parsePrometheusText(text);
      const info: Record<string, string | number | boolean> = {};
      for (const s of samples) {
        if (s.name.startsWith('market_agreements_provider_') || s.name.startsWith('payment_invoices_provider_')) {
          info[s.name] = (typeof info[s.name] === 'number' ? (info[s.name] as number) : 0) + s.value;
        }
      }
      // No counter yet is a provider that has not been paid: zero received, said deliberately. But paid invoices
      // without the counter means the metric was renamed: fail loudly rather than report a silent zero.
      const counterGlm = golemReceivedGlm(samples);
      const paidInvoices = samples.filter((s) => s.name === 'payment_invoices_provider_paid').reduce((sum, s) => sum + s.value, 0);
      if (counterGlm === null && paidInvoices > 0) {
        throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `metrics: ${GLM_RECEIVED_METRIC}: is required (${paidInvoices} invoices are paid)`);
      }
      info.paymentCounterPresent = counterGlm !== null;
      info.receivedSinceRestartGlm = counterGlm ?? 0;
      info.testnetReceivedGlm = golemTestnetGlm(samples);

      const problems: HealthProblem[] = [];
      const health: NodeHealth = { problems };
      if (version) {
        health.version = version.current.version;
        health.upToDate = !version.pending;
        if (version.pending) problems.push({ code: 'outdated-version', message: `yagna ${version.pending.version} is available`, severity: 'warning' });
      }
      if (!appKey) {
        problems.push({
          code: 'no-app-key',
          message: 'no app key: earnings from the metrics counter (restarts at 0 with yagna), payment drivers not checked',
          severity: 'info',
        });
        return { connected: true, token: 'GLM', cumulativeTokens: counterGlm ?? 0, counterRule: 'restart', resources: {}, health, info };
      }
      if (!payments.caughtUp()) paymentsRead.invalidate();
      const [status, totalGlm] = await Promise.all([
        http.json(joinUrl(config.endpoint, '/payment-api/v1/payments/status'), GolemPaymentStatusSchema, { signal, label: 'payment-status', headers: auth }),
        paymentsRead.get(() => payments.read(auth, signal)),
      ]);
      problems.push(...driverProblems(status));
      info.paymentsCaughtUp = payments.caughtUp();
      return {
        connected: true,
        token: 'GLM',
        // While a long payment history is still being paged in, the partial sum is not a counter yet.
        cumulativeTokens: payments.caughtUp() ? totalGlm : null,
        counterRule: 'total',
        resources: {},
        health,
        info,
      };
    },
  };
}
