import type { FastifyReply } from 'fastify';
import type { RateLimiter, RateLimitResult } from '../../auth/rate-limiter.js';
import { OrchaError } from '../../lib/errors.js';

/**
 * Rate-limit headers, as clients read them: `X-RateLimit-Limit` (bucket size = requests per minute),
 * `X-RateLimit-Remaining` (requests left now), `X-RateLimit-Reset` (seconds until the bucket is full again) and,
 * on 429, `Retry-After` (seconds until the next request is allowed).
 */
export function setRateLimitHeaders(reply: FastifyReply, r: RateLimitResult): void {
  reply.header('X-RateLimit-Limit', r.limit);
  reply.header('X-RateLimit-Remaining', r.remaining);
  reply.header('X-RateLimit-Reset', Math.ceil(r.resetMs / 1000));
}

/**
 * Take one token from `key`; throws ORCHA_ERR_RATE_LIMITED (429, with Retry-After) when the bucket is empty.
 * Returns the bucket state so the caller can show the most restrictive one.
 */
export async function takeOrRefuse(reply: FastifyReply, limiter: RateLimiter, key: string, perMinute: number): Promise<RateLimitResult> {
  const r = await limiter.consume(key, perMinute);
  if (!r.allowed) {
    setRateLimitHeaders(reply, r);
    const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    reply.header('Retry-After', retryAfter);
    throw new OrchaError('ORCHA_ERR_RATE_LIMITED', `Too many requests; retry in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
  }
  return r;
}

/** The bucket closest to refusing: the one whose headers the client should see. */
export function tighter(a: RateLimitResult | undefined, b: RateLimitResult): RateLimitResult {
  if (!a) return b;
  return b.remaining / b.limit < a.remaining / a.limit ? b : a;
}
