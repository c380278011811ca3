import { toBaseUnits } from '../adapters/units.js';
import { bearer, startSimServer, unauthorized } from './server.js';
import type { NodeSimOptions } from './storj.sim.js';
import type { Simulator } from './types.js';

/**
 * yagna: Prometheus exposition (no auth), `/version/get` (no auth) and the payment API (Bearer app key), in the shapes
 * of golemfactory/yagna and ya-client: `/payments/status` is an array of driver problems, `/payments` lists payments
 * received (decimal GLM strings, paged by `afterTimestamp`). Quirks a real provider shows: the metrics counter starts
 * again at 0 when yagna restarts (here every 7 days), and testnet platforms carry their own test GLM series.
 */
export const GOLEM_SIM_APP_KEY = 'sim-golem-app-key';
const RESTART_EVERY_MS = 7 * 24 * 3_600_000;
/** Payments are made once this much is owed, like invoices settling. */
const MIN_PAYMENT_GLM = 0.01;

interface SimPayment {
  paymentId: string;
  paymentPlatform: string;
  amount: string;
  time: number;
}

export function startGolemSim(o: NodeSimOptions & { appKey?: string }): Promise<Simulator> {
  const appKey = o.appKey ?? GOLEM_SIM_APP_KEY;
  let served: number | null = null;
  let drifted = false;
  const payments: SimPayment[] = [];
  let paidNano = 0n;
  let restartKey = Math.floor(o.clock.now() / RESTART_EVERY_MS);
  let counterBaseNano = 0n;

  /** Settle what is owed into payments; returns the lifetime total received, nano-GLM. */
  const settle = (): bigint => {
    const totalNano = BigInt(toBaseUnits(o.model.cumulativeTokens(), 9));
    // A simulated payout fault lowers the model's counter: nothing already paid is taken back.
    if (totalNano - paidNano >= BigInt(MIN_PAYMENT_GLM * 1e9)) {
      const owed = totalNano - paidNano;
      payments.push({
        paymentId: `sim-payment-${payments.length + 1}`,
        paymentPlatform: 'erc20-polygon-glm',
        amount: `${owed / 1_000_000_000n}.${(owed % 1_000_000_000n).toString().padStart(9, '0')}`,
        time: o.clock.now(),
      });
      paidNano += owed;
    }
    return paidNano;
  };

  const exposition = (): string => {
    const key = Math.floor(o.clock.now() / RESTART_EVERY_MS);
    const total = settle();
    if (key !== restartKey) {
      restartKey = key;
      counterBaseNano = total;
    }
    const received = total - counterBaseNano;
    const paid = payments.length;
    const counter = drifted ? 'payment_amount_received_glm' : 'payment_amount_received';
    const testnet = BigInt(Math.floor((o.clock.now() / 3_600_000) % 1000)) * 1_000_000_000n;
    return [
      `# metrics snapshot (ts=${Math.floor(o.clock.now() / 1000)}) (prometheus exposition format)`,
      '# TYPE activity_provider_created counter',
      `activity_provider_created ${paid + 1}`,
      '# TYPE market_agreements_provider_approved counter',
      `market_agreements_provider_approved ${paid + 1}`,
      `# TYPE ${counter} counter`,
      `${counter}{platform="erc20-holesky-tglm"} ${testnet}`,
      `${counter}{platform="erc20-hoodi-tglm"} 0`,
      `${counter}{platform="erc20-mainnet-glm"} 0`,
      `${counter}{platform="erc20-polygon-glm"} ${received}`,
      // A provider pays nothing out, but yagna pre-registers the series all the same.
      '# TYPE payment_amount_sent counter',
      ...['erc20-holesky-tglm', 'erc20-hoodi-tglm', 'erc20-mainnet-glm', 'erc20-polygon-glm'].map((p) => `payment_amount_sent{platform="${p}"} 0`),
      '# TYPE payment_invoices_provider_paid counter',
      `payment_invoices_provider_paid ${paid}`,
      '# TYPE payment_invoices_provider_sent_time summary',
      `payment_invoices_provider_sent_time_count ${paid}`,
      `payment_invoices_provider_sent_time_sum ${paid * 30_000_000}`,
      ...['0', '0.5', '0.99'].map((q) => `payment_invoices_provider_sent_time{quantile="${q}"} ${paid > 0 ? 30_000_000 : 0}`),
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
      {
        method: 'GET',
        path: '/version/get',
        handle: () => ({ json: { current: { version: '0.17.0', name: 'sim', seen: false, releaseTs: '2025-01-01T00:00:00', insertionTs: null, updateTs: null }, pending: null } }),
      },
      {
        method: 'GET',
        path: '/payment-api/v1/payments/status',
        handle: (req) => {
          if (bearer(req) !== appKey) return unauthorized();
          // Healthy drivers: an empty problem list.
          return { json: [] };
        },
      },
      {
        method: 'GET',
        path: '/payment-api/v1/payments',
        handle: (req) => {
          if (bearer(req) !== appKey) return unauthorized();
          served = Number(settle()) / 1e9;
          const after = req.query.get('afterTimestamp');
          const afterMs = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
          const max = Math.min(1000, Number(req.query.get('maxItems') ?? 1000) || 1000);
          const list = payments.filter((p) => p.time > afterMs).slice(0, max);
          return {
            json: list.map((p) => ({
              paymentId: p.paymentId,
              payerId: '0x0000000000000000000000000000000000000002',
              payeeId: '0x0000000000000000000000000000000000000001',
              payerAddr: '0x0000000000000000000000000000000000000002',
              payeeAddr: '0x0000000000000000000000000000000000000001',
              paymentPlatform: p.paymentPlatform,
              amount: p.amount,
              timestamp: new Date(p.time).toISOString(),
              agreementPayments: [],
              activityPayments: [],
              details: '',
            })),
          };
        },
      },
    ],
  });
}
