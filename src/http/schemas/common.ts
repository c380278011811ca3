import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AlertSchema } from '../../domain/alert.js';
import { OperationSchema } from '../../domain/operation.js';
import { OpportunitySchema, PlanSchema } from '../../domain/plan.js';
import { ReallocationSchema } from '../../domain/reallocation.js';
import { AllocationSchema } from '../../domain/resources.js';
import { SnapshotSchema } from '../../domain/sample.js';
import { apiSchema } from './api-time.js';

/** `{"error": {"code", "message", "requestId", "details"?}}` — the one error shape (SPEC §5). */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error', description: 'Every error response has this shape.' },
);

/** Error responses every route may give; merged into each route's `response`. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const code of [400, 401, 403, 429, 500, ...codes]) out[code] = Type.Ref('Error');
  return out;
}

export const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 (UTC)' });

export const ApiSnapshot = apiSchema(SnapshotSchema);
export const ApiPlan = apiSchema(PlanSchema);
export const ApiOpportunity = apiSchema(OpportunitySchema);
export const ApiAlert = apiSchema(AlertSchema);
export const ApiReallocation = apiSchema(ReallocationSchema);
export const ApiOperation = apiSchema(OperationSchema);
export const ApiAllocation = AllocationSchema;

export const OperationAccepted = Type.Object({
  operationId: Type.String(),
  status: Type.String(),
});
export type OperationAcceptedAnswer = Static<typeof OperationAccepted>;

export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};
