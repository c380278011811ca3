import { Type } from '@sinclair/typebox';
import { OrchaError } from '../../../lib/errors.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiOperation, ErrorSchema, IdParams } from '../../schemas/common.js';

export const MAX_LONG_POLL_SECONDS = 60;

const operationsRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/operations/:id',
    {
      config: role('viewer'),
      schema: { tags: ['operations'], summary: 'An operation and its status', params: IdParams, response: { 200: ApiOperation, 404: ErrorSchema } },
    },
    async (request) => {
      const op = await services.operations.get(request.params.id);
      if (!op) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No operation with id ${request.params.id}`);
      return toApi(op);
    },
  );

  app.get(
    '/operations/:id/result',
    {
      config: role('viewer'),
      schema: {
        tags: ['operations'],
        summary: 'Long-poll: answers as soon as the operation has finished, or after `timeout` seconds with its current status',
        params: IdParams,
        querystring: Type.Object(
          { timeout: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_LONG_POLL_SECONDS, default: 30 })) },
          { additionalProperties: false },
        ),
        response: { 200: ApiOperation, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const op = await services.operations.wait(request.params.id, (request.query.timeout ?? 30) * 1000);
      if (!op) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No operation with id ${request.params.id}`);
      return toApi(op);
    },
  );
};

export default operationsRoutes;
