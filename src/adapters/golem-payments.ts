import { Type } from '@sinclair/typebox';
import type { HealthProblem } from '../domain/health.js';
import { OrchaError } from '../lib/errors.js';
import type { HttpClient } from './http.js';
import { joinUrl } from './http.js';

/**
 * yagna's payment API, checked against golemfactory/yagna `core/payment/src/api/payments.rs` and golemfactory/ya-client
 * `specs/payment-api.yaml` / `model/src/payment/payment.rs`:
 * - `GET /payment-api/v1/payments/status` is a JSON array of payment-driver problems (`DriverStatusProperty`, tagged by
 *   `kind`), `[]` when healthy. (The `{amount, reserved, ...}` object is what the CLI prints, never this endpoint.)
 * - `GET /payment-api/v1/payments` lists payments received; `amount` is a decimal GLM string. It long-polls unless
 *   `timeout=0`; `afterTimestamp` pages. It is the lasting record: the metrics counter restarts at 0 with yagna.
 */

export const GolemDriverProblemSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1 }),
    driver: Type.Optional(Type.String()),
    network: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export const GolemPaymentStatusSchema = Type.Array(GolemDriverProblemSchema, { maxItems: 1000 });

export const GolemPaymentSchema = Type.Object({
  paymentId: Type.String(),
  paymentPlatform: Type.String(),
  amount: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' }),
  timestamp: Type.String({ minLength: 1 }),
});
export const GolemPaymentsSchema = Type.Array(GolemPaymentSchema, { maxItems: 100_000 });

/** Platforms are `<driver>-<network>-<token>`; only mainnet networks with real GLM are money (not holesky/hoodi tGLM). */
export function isMainnetPlatform(platform: string): boolean {
  return /^[a-z0-9]+-(mainnet|polygon)-glm$/.test(platform);
}

const SEVERE = new Set(['InsufficientGas', 'InsufficientToken', 'InvalidChainId', 'CantSign']);

export function driverProblems(status: typeof GolemPaymentStatusSchema.static): HealthProblem[] {
  return status.slice(0, 50).map((p) => {
    const where = [p.driver, p.network].filter(Boolean).join(' on ');
    return {
      code: p.kind.slice(0, 100),
      message: `payment driver${where ? ` ${where}` : ''}: ${p.kind}`.slice(0, 500),
      severity: SEVERE.has(p.kind) ? 'critical' : 'warning',
    } satisfies HealthProblem;
  });
}

/** A decimal GLM string as wei (18 decimals), exact through BigInt. */
export function glmToWei(amount: string, label: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(amount);
  if (!m) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `${label}: amount: Expected a decimal string, got ${JSON.stringify(amount.slice(0, 40))}`);
  const frac = (m[2] ?? '').slice(0, 18).padEnd(18, '0');
  return BigInt(m[1]!) * 10n ** 18n + BigInt(frac);
}

const PAGE = 1000;
const MAX_PAGES_PER_READ = 20;

/**
 * The running total of mainnet payments received, read incrementally: each read asks only for payments after the last
 * timestamp seen (ids at that timestamp are remembered so a repeat is not counted twice). A long history is caught up
 * over several reads (at most MAX_PAGES_PER_READ pages each).
 */
export function createPaymentsLedger(http: HttpClient, endpoint: string) {
  let totalWei = 0n;
  let after: string | null = null;
  let afterMs = Number.NEGATIVE_INFINITY;
  let idsAtAfter = new Set<string>();
  let caughtUp = false;

  return {
    caughtUp: () => caughtUp,
    async read(headers: Record<string, string>, signal: AbortSignal): Promise<number> {
      for (let page = 0; page < MAX_PAGES_PER_READ; page++) {
        const query = new URLSearchParams({ timeout: '0', maxItems: String(PAGE) });
        if (after) query.set('afterTimestamp', after);
        const list = await http.json(joinUrl(endpoint, `/payment-api/v1/payments?${query}`), GolemPaymentsSchema, { signal, label: 'payments', headers });
        let fresh = 0;
        for (const [i, p] of list.entries()) {
          const t = Date.parse(p.timestamp);
          if (Number.isNaN(t)) throw new OrchaError('ORCHA_ERR_ADAPTER_SCHEMA', `payments: ${i}.timestamp: Expected a date-time`);
          if (t < afterMs || (t === afterMs && idsAtAfter.has(p.paymentId))) continue;
          fresh++;
          if (isMainnetPlatform(p.paymentPlatform)) totalWei += glmToWei(p.amount, `payments: ${i}`);
          if (t > afterMs) {
            afterMs = t;
            after = p.timestamp;
            idsAtAfter = new Set();
          }
          idsAtAfter.add(p.paymentId);
        }
        if (list.length < PAGE || fresh === 0) {
          caughtUp = true;
          break;
        }
      }
      return Number(totalWei / 10n ** 9n) / 1e9;
    },
  };
}
