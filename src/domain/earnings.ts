import { type Static, Type } from '@sinclair/typebox';
import { CounterRuleSchema } from './sample.js';

/** What the earnings ledger (adapters/earnings-ledger.ts) keeps per protocol, stored so a restart continues from it. */
export const LedgerStateSchema = Type.Object({
  token: Type.String(),
  rule: CounterRuleSchema,
  period: Type.Union([Type.String(), Type.Null()]),
  /** The highest counter seen in this period since the last reset or payout: earnings are increases above it. */
  high: Type.Number(),
  /** restart, epoch, balance: the value a drop went to, while it may still be a dip. */
  pendingLow: Type.Union([Type.Number(), Type.Null()]),
  /** epoch ms of the last counter read. */
  time: Type.Number(),
});
export type LedgerState = Static<typeof LedgerStateSchema>;
