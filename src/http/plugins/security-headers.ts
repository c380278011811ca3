import { createRequire } from 'node:module';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers (CSP, X-Frame-Options, ...) as helmet writes them, computed ONCE and then copied onto every
 * reply. @fastify/helmet builds a new helmet middleware on every request (re-parsing the CSP directives each time),
 * which cost the cached dashboard read about a tenth of its CPU; our headers are the same for every request (no
 * CSP nonces, no per-route options), so they are worked out at start-up by helmet itself and reused.
 */
type HelmetOptions = Omit<FastifyHelmetOptions, 'global' | 'enableCSPNonces'>;
type HelmetMiddleware = (req: unknown, res: HeaderSink, next: (err?: unknown) => void) => void;
type Helmet = (options: HelmetOptions) => HelmetMiddleware;

interface HeaderSink {
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
}

/** helmet as @fastify/helmet depends on it (the very version the plugin would use). */
function loadHelmet(): Helmet {
  const require = createRequire(import.meta.url);
  const fromPlugin = createRequire(require.resolve('@fastify/helmet'));
  return fromPlugin('helmet') as Helmet;
}

/** The headers helmet sets for `options`, by name. Throws if helmet reports an error (a bad option). */
export function computeSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const sink: HeaderSink = {
    setHeader(name, value) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown = null;
  let finished = false;
  loadHelmet()(options)({}, sink, (err) => {
    failure = err ?? null;
    finished = true;
  });
  if (failure) throw failure;
  // Every helmet middleware is synchronous; anything else would mean headers that depend on the request.
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
}

/** Adds the precomputed headers to every reply (registered at the root, so errors and 404s carry them too). */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = computeSecurityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
