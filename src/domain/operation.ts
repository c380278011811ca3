import { Type, type Static } from '@sinclair/typebox';

export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PrioritySchema = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));
export const OPERATION_STATUSES = ['pending', 'processing', 'completed', 'failed', 'timeout'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const OPERATION_KINDS = ['reallocate', 'report', 'export'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OperationSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union(OPERATION_KINDS.map((k) => Type.Literal(k))),
  priority: PrioritySchema,
  status: Type.Union(OPERATION_STATUSES.map((s) => Type.Literal(s))),
  params: Type.Record(Type.String(), Type.Unknown()),
  result: Type.Unknown({ description: 'What the operation produced; null until it completes' }),
  error: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number(),
  startedAt: Type.Union([Type.Number(), Type.Null()]),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
});
export type Operation = Static<typeof OperationSchema>;
