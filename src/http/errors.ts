import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, type ErrorCode, type FieldError, isOrchaError } from '../lib/errors.js';

/**
 * The one place where errors become HTTP responses: `{"error": {"code", "message", "requestId", "details"?}}`.
 * 5xx answers never carry the internal message; it goes to the log with the request id.
 */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

export function errorBody(code: string, message: string, requestId: string, details?: unknown): ErrorBody {
  return { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' };

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** `/rules/0/min` -> `rules[0].min` */
function pointer(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** AJV issues -> `[{path: 'body.dryRun', message}]`, one per field. */
export function validationDetails(context: string | undefined, issues: AjvIssue[]): FieldError[] {
  const prefix = CONTEXT_NAMES[context ?? ''] ?? context ?? 'request';
  const out = new Map<string, FieldError>();
  for (const issue of issues) {
    let field = pointer(issue.instancePath ?? '');
    const missing = issue.params?.missingProperty;
    const extra = issue.params?.additionalProperty;
    if (typeof missing === 'string') field = field ? `${field}.${missing}` : missing;
    if (typeof extra === 'string') field = field ? `${field}.${extra}` : extra;
    const path = field ? `${prefix}.${field}` : prefix;
    if (out.has(path)) continue;
    let message = issue.message ?? 'is invalid';
    if (typeof missing === 'string') message = 'is required';
    else if (typeof extra === 'string') message = 'is not a known field';
    else if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues))
      message = `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`;
    out.set(path, { path, message });
  }
  return [...out.values()];
}

function codeForStatus(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: 'ORCHA_ERR_VALIDATION',
    401: 'ORCHA_ERR_UNAUTHORIZED',
    403: 'ORCHA_ERR_FORBIDDEN',
    404: 'ORCHA_ERR_NOT_FOUND',
    409: 'ORCHA_ERR_CONFLICT',
    413: 'ORCHA_ERR_PAYLOAD_TOO_LARGE',
    429: 'ORCHA_ERR_RATE_LIMITED',
    503: 'ORCHA_ERR_DEPENDENCY_DOWN',
    504: 'ORCHA_ERR_TIMEOUT',
  };
  return byStatus[status] ?? (status >= 500 ? 'ORCHA_ERR_INTERNAL' : 'ORCHA_ERR_VALIDATION');
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requestId = String(request.id);
  if (error.validation) {
    const details = validationDetails(error.validationContext, error.validation as AjvIssue[]);
    const first = details[0];
    const message = first ? `${first.path} ${first.message}` : 'Invalid input';
    return reply.status(400).send(errorBody('ORCHA_ERR_VALIDATION', message, requestId, details));
  }
  if (isOrchaError(error)) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    const status = error.status;
    // 5xx coded errors keep their catalog message; their own message may carry internals.
    const message = status >= 500 && status !== 503 ? ERROR_CATALOG[error.code].message : error.message;
    return reply.status(status).send(errorBody(error.code, message, requestId, status >= 500 ? undefined : error.details));
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    const code = codeForStatus(status);
    return reply.status(status).send(errorBody(code, ERROR_CATALOG[code].message, requestId));
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.status(413).send(errorBody('ORCHA_ERR_PAYLOAD_TOO_LARGE', 'Request body is larger than the limit', requestId));
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return reply
      .status(400)
      .send(errorBody('ORCHA_ERR_VALIDATION', 'Request body is not valid JSON', requestId, [{ path: 'body', message: error.message }]));
  }
  return reply.status(status).send(errorBody(codeForStatus(status), error.message, requestId));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .send(errorBody('ORCHA_ERR_NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`, String(request.id)));
}
