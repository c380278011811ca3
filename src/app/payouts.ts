/**
 * Payouts and held amounts: what each protocol paid out (the earnings ledger's confirmed counter drops, with their
 * amounts) and what the network still holds back, as each node last reported it (Storj's held amount).
 */
import type { HeldAmount, Payout } from '../domain/payout.js';
import type { Snapshot } from '../domain/sample.js';
import type { PayoutQuery, Store } from '../store/types.js';
import type { CoordinatorView } from './types.js';

export interface PayoutsAnswer {
  payouts: Payout[];
  held: HeldAmount[];
}

export interface PayoutsService {
  list(query: PayoutQuery): Promise<PayoutsAnswer>;
}

export function createPayoutsService(deps: {
  store: Pick<Store, 'metrics'>;
  coordinator: CoordinatorView;
  latest: () => Promise<Snapshot | null>;
}): PayoutsService {
  return {
    async list(query) {
      const [payouts, snapshot] = await Promise.all([deps.store.metrics.payouts(query), deps.latest()]);
      const tokenOf = (protocol: string) => snapshot?.protocols.find((p) => p.protocol === protocol)?.token ?? '';
      const held = deps.coordinator
        .status()
        .adapters.filter((a) => (query.protocol === undefined || a.protocol === query.protocol) && a.nodeHealth?.heldTokens !== undefined)
        .map((a) => ({ protocol: a.protocol, token: tokenOf(a.protocol), heldTokens: a.nodeHealth!.heldTokens!, time: a.nodeHealthAt ?? null }));
      return { payouts, held };
    },
  };
}
