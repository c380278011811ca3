import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditRepository } from '../../../store/types.js';
import { IsoQuery, parseTime } from '../../query.js';
import { IsoTime, iso } from '../auth/schemas.js';

const AuditEntrySchema = Type.Object({
  id: Type.Optional(Type.Integer()),
  time: IsoTime,
  actor: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  sourceIp: Type.Union([Type.String(), Type.Null()]),
  result: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

const QuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(Type.String({ maxLength: 200 })),
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
  },
  { additionalProperties: false },
);

/** `GET audit`, admin only (mounted under /api/v1): newest first. */
export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditRepository }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log of every change: who, role, action, target, source IP, result, request id',
        querystring: QuerySchema,
        response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = await opts.audit.list({
        limit: q.limit,
        offset: q.offset,
        actor: q.actor,
        action: q.action,
        from: q.from ? parseTime(q.from, 'from') : undefined,
        to: q.to ? parseTime(q.to, 'to') : undefined,
      });
      return { entries: entries.map((e) => ({ ...e, time: iso(e.time) })) };
    },
  );
}
