import AjvCompiler from '@fastify/ajv-compiler';
import SerializerCompiler from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), deferred: each route's schema is
 * compiled on the route's first use instead of all of them at `ready`. Measured on the daemon: compiling every
 * route's schemas at start-up took ~150 ms of the ~1.1 s before the first health answer, for routes most clients
 * never call. The compiled functions are the same; an invalid schema fails on that route's first request (every
 * route is exercised by the end-to-end suite, so none ships unnoticed).
 */
type ValidatorFn = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type SerializerFn = (payload: unknown) => string;
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

function lazyValidator(compile: () => ValidatorFn): ValidatorFn {
  let fn: ValidatorFn | undefined;
  const validate: ValidatorFn = (data, ctx) => {
    fn ??= compile();
    // Ajv's functions take the parent's context so that they may coerce or default the root value itself.
    const result = fn(data, ctx);
    validate.errors = fn.errors;
    return result;
  };
  // Tells Fastify to pass that context (as it does for an Ajv function); it is forwarded unchanged.
  validate.schemaEnv = true;
  return validate;
}

function lazySerializer(compile: () => SerializerFn): SerializerFn {
  let fn: SerializerFn | undefined;
  return (payload) => {
    fn ??= compile();
    return fn(payload);
  };
}

export function lazyCompilers(): Compilers {
  const buildValidator = AjvCompiler();
  const buildSerializer = SerializerCompiler();
  return {
    buildValidator(externalSchemas: unknown, options: unknown) {
      const compiler = buildValidator(externalSchemas as never, options as never);
      // A JSON body carries its own types: coercing it would turn a null into 0 or "" wherever a schema allows
      // "number or null" (Ajv tries the number first), so a node's unmeasured CPU or a never-answered poll would
      // arrive as a reading of 0. Query strings, params and headers are text and keep their coercion.
      const opts = (options ?? {}) as { customOptions?: Record<string, unknown> };
      const bodies = buildValidator(externalSchemas as never, { ...opts, customOptions: { ...opts.customOptions, coerceTypes: false } } as never);
      return (route: unknown) => {
        const forBody = (route as { httpPart?: string }).httpPart === 'body';
        return lazyValidator(() => (forBody ? bodies : compiler)(route as never) as unknown as ValidatorFn);
      };
    },
    buildSerializer(externalSchemas: unknown, options: unknown) {
      const compiler = buildSerializer(externalSchemas as never, options as never);
      return (route: unknown) => lazySerializer(() => compiler(route as never) as unknown as SerializerFn);
    },
  } as unknown as Compilers;
}
