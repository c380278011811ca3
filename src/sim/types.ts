import { Type, type Static } from '@sinclair/typebox';
import type { ProtocolType, ResourceShares } from '../domain/resources.js';
import type { MarketModel } from './market.js';

/** Fault switches a simulator can be put in (PUT {endpoint}/__sim/fault). */
export const SIM_FAULTS = ['hang', 'http500', 'malformed', 'schema-drift', 'slow', 'disconnected', 'payout', 'rate-limited'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];
export const SimFaultSchema = Type.Union(SIM_FAULTS.map((f) => Type.Literal(f)));
export const SimFaultBodySchema = Type.Object({ fault: Type.Union([SimFaultSchema, Type.Null()]) }, { additionalProperties: false });
export type SimFaultBody = Static<typeof SimFaultBodySchema>;

export interface Simulator {
  readonly name: string;
  readonly type: ProtocolType;
  /** Base URL (http://127.0.0.1:port). */
  readonly url: string;
  readonly model: MarketModel;
  /** Node API requests received (control endpoints excluded): proves whether calls reached the node. */
  readonly requests: number;
  fault(): SimFault | null;
  setFault(fault: SimFault | null): void;
  allocation(): ResourceShares;
  /** The last earnings counter served, in token units (what an adapter should record). */
  lastServedTokens(): number | null;
  close(): Promise<void>;
}
