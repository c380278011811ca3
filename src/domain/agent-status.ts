import { type Static, Type } from '@sinclair/typebox';
import { BREAKER_STATES } from './adapter-status.js';
import { LoopStatusSchema } from './loop-status.js';

/**
 * What an agent says about its daemon with each batch (agents since 0.3.0): the parts of `GET status` that stay on
 * the agent (breakers, loops, queue, uptime), compact and bounded, so the control plane answers `status?host=NAME`.
 * Epoch-ms times like the rest of the domain.
 */
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
/** A reason is cut to this many characters before it is sent. */
export const AGENT_STATUS_ERROR_CHARS = 500;
export const AGENT_STATUS_MAX_ADAPTERS = 200;

export const AgentAdapterStatusSchema = Type.Object(
  {
    protocol: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.String({ maxLength: 64 }),
    connected: Type.Boolean(),
    breaker: Type.Union(BREAKER_STATES.map((s) => Type.Literal(s))),
    lastError: Type.Union([Type.String({ maxLength: AGENT_STATUS_ERROR_CHARS }), Type.Null()], { description: 'Why its last poll failed (null after a success).' }),
    lastErrorCode: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    latencyMs: NullableNumber,
    lastSuccessAt: NullableNumber,
    consecutiveFailures: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const AgentStatusSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 64, description: "The agent's orcha version." }),
    startedAt: Type.Integer({ minimum: 0 }),
    uptimeSeconds: Type.Number({ minimum: 0, description: 'At the time it sent the batch.' }),
    mode: Type.String({ maxLength: 32 }),
    strategy: Type.String({ maxLength: 128 }),
    lastPlanAt: NullableNumber,
    simulated: Type.Optional(Type.Boolean()),
    loops: Type.Optional(Type.Array(LoopStatusSchema, { maxItems: 8 })),
    coordinator: Type.Object(
      {
        running: Type.Boolean({ description: 'Its loops (poll, analyze, decide, retention) run.' }),
        lastPollAt: NullableNumber,
        polls: Type.Integer({ minimum: 0 }),
        adapters: Type.Array(AgentAdapterStatusSchema, { maxItems: AGENT_STATUS_MAX_ADAPTERS }),
      },
      { additionalProperties: false },
    ),
    queue: Type.Object(
      {
        pending: Type.Integer({ minimum: 0 }),
        processing: Type.Integer({ minimum: 0 }),
        capacity: Type.Integer({ minimum: 0 }),
        byPriority: Type.Record(Type.String({ maxLength: 16 }), Type.Integer({ minimum: 0 }), { maxProperties: 8 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: "The agent's daemon when it sent the batch (agents since 0.3.0): GET status?host=NAME answers it." },
);
export type AgentStatus = Static<typeof AgentStatusSchema>;
export type AgentAdapterStatus = Static<typeof AgentAdapterStatusSchema>;
