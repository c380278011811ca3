import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { ExportFileResult } from '../../../app/exports.js';
import { OrchaError } from '../../../lib/errors.js';
import { EXPORT_FORMATS, exportContentType } from '../../../engine/monitor/export.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { IsoQuery, StepQuery, parseRange, parseStepMs } from '../../query.js';
import { type RoutePlugin, actorOf, role } from '../../route-types.js';
import { ErrorSchema, IdParams, OperationAccepted } from '../../schemas/common.js';

/** Ranges up to this long stream directly; longer ones (or `async=true`) are written to a file by an operation. */
export const DIRECT_EXPORT_MAX_MS = 31 * 86_400_000;

const ExportQuery = Type.Object(
  {
    format: Type.Optional(Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f)), { default: 'json' })),
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' })),
    step: Type.Optional(StepQuery),
    async: Type.Optional(Type.Boolean()),
    host: HostQuery,
  },
  { additionalProperties: false },
);

/** A file streamed as it is (Fastify does not serialize streams); the type lets the compiler check `reply.send`. */
const ExportFile = Type.Unsafe<Readable>(
  Type.String({ format: 'binary', description: 'The exported history, JSON or CSV as `format` asked' }),
);

const exportRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/export',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Export protocol history as JSON or CSV (streamed)',
        description: `Ranges up to ${DIRECT_EXPORT_MAX_MS / 86_400_000} days stream the file at once (200). Longer ranges answer 202 with an operation id; the file is then at GET export/{operationId}. With \`host\`, that host's protocol rows as its agent sent them (no net columns), streamed for ranges up to ${DIRECT_EXPORT_MAX_MS / 86_400_000} days only (400 beyond, or with \`async\`); an unknown host is a 404 naming it.`,
        querystring: ExportQuery,
        response: { 200: ExportFile, 202: OperationAccepted, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const format = q.format ?? 'json';
      const range = parseRange(q, Date.now(), 86_400_000);
      const stepMs = q.step ? parseStepMs(q.step) : undefined;
      const query = { ...range, stepMs, protocol: q.protocol };
      const remote = await remoteScope(q.host, deps);
      if (remote) {
        if (q.async || range.to - range.from > DIRECT_EXPORT_MAX_MS) {
          const days = DIRECT_EXPORT_MAX_MS / 86_400_000;
          throw new OrchaError('ORCHA_ERR_VALIDATION', `An export of fleet host "${remote.host.name}" is streamed at once, for at most ${days} days; ask for a shorter range`, [
            { path: q.async ? 'query.async' : 'query.from', message: `fleet hosts' exports are not operations: at most ${days} days, no async` },
          ]);
        }
        reply.type(exportContentType(format)).header('Content-Disposition', `attachment; filename="orcha-export-${remote.host.name}.${format}"`);
        return reply.send(Readable.from(remote.reads.exportChunks(remote.host, query, format)));
      }
      if (q.async || range.to - range.from > DIRECT_EXPORT_MAX_MS) {
        const op = await services.operations.submit({ kind: 'export', params: { ...query, format }, priority: 'low', createdBy: actorOf(request) });
        reply.status(202).header('Location', `/api/v1/export/${op.id}`);
        return { operationId: op.id, status: op.status };
      }
      reply
        .type(exportContentType(format))
        .header('Content-Disposition', `attachment; filename="orcha-export.${format}"`);
      return reply.send(Readable.from(services.exports.chunks(query, format)));
    },
  );

  app.get(
    '/export/:id',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Download the file an export operation produced',
        params: IdParams,
        response: {
          200: ExportFile,
          404: ErrorSchema,
          409: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const op = await services.operations.get(request.params.id);
      if (!op || op.kind !== 'export') throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'No export operation with this id');
      if (op.status !== 'completed') throw new OrchaError('ORCHA_ERR_CONFLICT', `The export is ${op.status}`);
      const result = op.result as ExportFileResult;
      const file = join(services.exports.dir, basename(result.file));
      const info = await stat(file).catch(() => null);
      if (!info) throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'The export file is gone');
      reply
        .type(exportContentType(result.format))
        .header('Content-Length', info.size)
        .header('Content-Disposition', `attachment; filename="orcha-export-${op.id}.${result.format}"`);
      return reply.send(createReadStream(file));
    },
  );
};

export default exportRoutes;
