import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchaError } from '../lib/errors.js';
import { errorBody } from './errors.js';

/**
 * Bounds on what a request may carry before it reaches a route, and the one error shape for the errors Fastify and
 * Node raise before any route runs (bad URL encoding, malformed requests, over-long headers).
 */

/** Deepest JSON body accepted: the deepest real document (orcha.yaml as JSON) is under 8 levels. */
export const MAX_JSON_DEPTH = 32;

/** How deep `text` nests objects and arrays, stopping as soon as it passes `limit` (one pass, no recursion). */
export function jsonDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Replace Fastify's JSON parser with the same parser behind a nesting bound (deep bodies overflow the validators). */
export function registerBoundedJsonParser(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthOver(text, maxDepth)) {
      done(
        new OrchaError('ORCHA_ERR_VALIDATION', `Request body is nested deeper than ${maxDepth} levels`, [
          { path: 'body', message: `is nested deeper than ${maxDepth} levels` },
        ]),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}

/**
 * Numbers in the query string that are not finite (`Infinity`, `1e999`) pass Ajv's coercion and range checks; refuse
 * them after validation, naming the field.
 */
export function registerFiniteQueryCheck(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object') {
      for (const key in query) {
        const value = query[key];
        if (typeof value === 'number' && !Number.isFinite(value)) {
          done(new OrchaError('ORCHA_ERR_VALIDATION', `query.${key} must be a finite number`, [{ path: `query.${key}`, message: 'must be a finite number' }]));
          return;
        }
      }
    }
    done();
  });
}

/** Errors Fastify raises before routing (`/%`): the request has an id but no hook ran, so set the header here. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const requestId = String(request.id);
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const message = error.code === 'FST_ERR_BAD_URL' ? 'The URL is not validly encoded' : 'The request is malformed';
  reply
    .header('X-Request-Id', requestId)
    .status(status)
    .send(errorBody(status === 404 ? 'ORCHA_ERR_NOT_FOUND' : 'ORCHA_ERR_VALIDATION', message, requestId, [{ path: 'url', message: error.message }]));
}

/** Requests Node's HTTP parser refuses (headers too large, bad framing) never reach Fastify: answer in the same shape. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const requestId = randomUUID();
  const body = JSON.stringify(
    errorBody(
      tooLarge ? 'ORCHA_ERR_PAYLOAD_TOO_LARGE' : 'ORCHA_ERR_VALIDATION',
      tooLarge ? 'Request headers are larger than the limit' : 'The request is malformed',
      requestId,
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
