import { type Static, Type } from '@sinclair/typebox';

/**
 * A payout as the earnings ledger saw it: the protocol's counter fell (a balance paid out, a month closed, a counter
 * restarted) by `tokens`, worth `usd` at the price of that moment. Recorded once, when the drop is confirmed.
 */
export const PayoutSchema = Type.Object({
  protocol: Type.String(),
  token: Type.String(),
  /** epoch ms of the reading that confirmed the payout */
  time: Type.Number(),
  tokens: Type.Number({ minimum: 0 }),
  usd: Type.Number({ minimum: 0 }),
});
export type Payout = Static<typeof PayoutSchema>;

/** What the network holds back from a node (Storj's held amount), as the node reported it last. */
export const HeldAmountSchema = Type.Object({
  protocol: Type.String(),
  token: Type.String(),
  heldTokens: Type.Number({ minimum: 0 }),
  /** epoch ms of the node's health reading */
  time: Type.Union([Type.Number(), Type.Null()]),
});
export type HeldAmount = Static<typeof HeldAmountSchema>;
