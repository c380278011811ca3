import type { FastifyReply } from 'fastify';
import type { Cache } from '../infra/cache.js';

/**
 * Answers a cached read with its JSON text, serialized once by the route's own response schema when the entry is
 * computed. A hit then costs a lookup and a write: no per-request conversion (toApi) or serialization, which for
 * the dashboard was a good share of the request (SPEC §10 compares it with a bare route).
 */
export async function sendCachedJson(reply: FastifyReply, cache: Cache, key: string, compute: () => Promise<unknown>): Promise<FastifyReply> {
  const json = await cache.wrap(`${key}:json`, async () => reply.serialize(await compute()) as string);
  // A string with a JSON content type goes out as it is (Fastify serializes only objects).
  return reply.type('application/json; charset=utf-8').send(json);
}
