import { type Static, Type } from '@sinclair/typebox';

/** One of the daemon's loops (analyze, decide, retention; polls are the coordinator's own) as `GET status` shows it. */
export const LOOP_STATUS_ERROR_CHARS = 500;

export const LoopStatusSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32 }),
    running: Type.Boolean(),
    ticks: Type.Integer({ minimum: 0, description: 'Ticks completed since start, failed ones included.' }),
    lastTickAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the last tick ended; null before the first.' }),
    lastError: Type.Union([Type.String({ maxLength: LOOP_STATUS_ERROR_CHARS }), Type.Null()], { description: 'Why the last tick failed; null when it succeeded.' }),
  },
  { additionalProperties: false },
);
export type LoopStatus = Static<typeof LoopStatusSchema>;
