/**
 * What the generated OpenAPI document needs beyond the route schemas, so that a real OpenAPI linter (Redocly) passes
 * it with 0 errors: an `operationId` on every operation, public routes marked `security: []`, the error shape on every
 * operation that declares no 4xx answer, and JSON Schema's numeric `exclusiveMinimum`/`exclusiveMaximum` (what
 * TypeBox emits and Ajv validates) rewritten into OpenAPI 3.0's `minimum` + boolean form.
 */
import { ErrorSchema } from './schemas/common.js';

interface RouteLike {
  method: string | string[];
  url: string;
  config?: unknown;
}

type Json = Record<string, unknown>;

/** `GET /api/v1/operations/:id/result` -> `getOperationsByIdResult`; stable, unique per method and path. */
export function operationIdFor(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  const camel = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const prefix = url.startsWith('/api/v1') ? '' : 'Root';
  return `${method.toLowerCase()}${prefix}${camel || 'Index'}`;
}

/** The per-route part, for `@fastify/swagger`'s `transform`. */
export function transformRouteSchema({ schema, url, route }: { schema: unknown; url: string; route: RouteLike }) {
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  const s: Json = { ...((schema as Json | undefined) ?? {}) };
  s.operationId ??= operationIdFor(method, route.url);
  const role = (route.config as { role?: string } | undefined)?.role;
  if (role === 'public') s.security = [];
  return { schema: s, url };
}

const { $id: _id, ...errorSchema } = ErrorSchema;
const ERROR_RESPONSE = {
  description: 'An error, in the one error shape (the status says which: 400 invalid input, 401, 403, 404, 429...)',
  content: { 'application/json': { schema: errorSchema } },
};

function rewriteExclusiveBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteExclusiveBounds(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  for (const [key, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof obj[key] === 'number') {
      obj[bound] = obj[key];
      obj[key] = true;
    }
  }
  for (const value of Object.values(obj)) rewriteExclusiveBounds(value);
}

/** The whole-document part, for `@fastify/swagger`'s `transformObject`. */
export function finishOpenApiDocument<T extends object>(generated: T): T {
  // A copy: the route schemas inside are the objects Ajv compiles (lazily), and it needs the numeric bounds.
  const doc = structuredClone(generated) as Json;
  rewriteExclusiveBounds(doc.paths);
  rewriteExclusiveBounds(doc.components);
  for (const operations of Object.values((doc.paths as Record<string, Record<string, Json>>) ?? {})) {
    for (const op of Object.values(operations)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      const responses = (op.responses ?? {}) as Json;
      if (!Object.keys(responses).some((code) => code.startsWith('4') || code === 'default')) {
        op.responses = { ...responses, '4XX': ERROR_RESPONSE };
      }
    }
  }
  return doc as T;
}
