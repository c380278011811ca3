import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, systemClock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditEntry, AuditRepository } from '../../store/types.js';

/** What a route may add to its audit row (set `request.audit.target = ...` in the handler). */
export interface AuditContext {
  /** Who, when there is no principal yet (login: the username tried). */
  actor?: string;
  /** What was acted on; default the request path. */
  target?: string;
  details?: Record<string, unknown>;
  /** Set once the row is written, so it is written exactly once. */
  written?: boolean;
}

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuditHooksOptions {
  audit: AuditRepository;
  clock?: Clock;
  log?: Logger;
}

/** `POST /api/v1/users/:id` (the route's template, so rows group by action) or the route's `config.auditAction`. */
export function auditActionOf(request: FastifyRequest): string {
  const declared = request.routeOptions.config?.auditAction;
  if (declared) return declared;
  const path = request.routeOptions.url ?? request.url.split('?')[0];
  return `${request.method} ${path}`;
}

export function buildAuditEntry(request: FastifyRequest, statusCode: number, time: number): AuditEntry {
  const ctx = request.audit ?? {};
  const principal = request.principal;
  return {
    time,
    actor: principal ? (principal.kind === 'apikey' ? `apikey:${principal.name}` : principal.name) : (ctx.actor ?? 'anonymous'),
    role: principal?.role ?? 'none',
    action: auditActionOf(request),
    target: ctx.target ?? request.url.split('?')[0],
    sourceIp: request.ip,
    result: statusCode < 400 ? 'success' : 'failure',
    requestId: request.id,
    details: { status: statusCode, ...(principal ? { principalKind: principal.kind, principalId: principal.id } : {}), ...ctx.details },
  };
}

/**
 * One audit row per mutating call, including refused and failed ones. Written in onSend, before the client gets
 * its answer (so an acknowledged change is always on record); onResponse and onRequestAbort catch calls that
 * ended without a payload being sent (timeouts, aborted clients).
 */
export function registerAuditHooks(app: FastifyInstance, options: AuditHooksOptions): void {
  const clock = options.clock ?? systemClock;

  async function write(request: FastifyRequest, statusCode: number): Promise<void> {
    if (!MUTATING_METHODS.has(request.method)) return;
    if (!request.audit) request.audit = {};
    if (request.audit.written) return;
    request.audit.written = true;
    try {
      await options.audit.insert(buildAuditEntry(request, statusCode, clock.now()));
    } catch (err) {
      (options.log ?? request.log).error({ err, requestId: request.id }, 'audit: could not write the audit row');
    }
  }

  // Callback-style hooks that return at once for reads: most requests are GETs and need no promise here.
  app.addHook('onRequest', (request, _reply, done) => {
    request.audit = {};
    done();
  });
  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, _payload: unknown, done: (err?: Error | null) => void) => {
    if (!MUTATING_METHODS.has(request.method)) return done();
    write(request, reply.statusCode).then(() => done(), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (!MUTATING_METHODS.has(request.method)) return done();
    write(request, reply.statusCode).then(() => done(), done);
  });
  app.addHook('onRequestAbort', async (request) => {
    await write(request, 499);
  });
}
