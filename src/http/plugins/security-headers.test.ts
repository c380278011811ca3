import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { computeSecurityHeaders, registerSecurityHeaders } from './security-headers.js';

const OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], connectSrc: ["'self'", 'ws:'] } },
  strictTransportSecurity: false as const,
};

async function headersOf(register: (app: ReturnType<typeof Fastify>) => Promise<void> | void): Promise<Record<string, unknown>> {
  const app = Fastify({ logger: false });
  await register(app);
  app.get('/x', async () => ({ ok: true }));
  const res = await app.inject({ method: 'GET', url: '/x' });
  await app.close();
  const { date: _date, ...rest } = res.headers;
  return rest;
}

describe('precomputed security headers', () => {
  it('are exactly the headers @fastify/helmet sets for the same options', async () => {
    const ours = await headersOf((app) => registerSecurityHeaders(app, OPTIONS));
    const plugin = await headersOf((app) => app.register(helmet, { global: true, ...OPTIONS }));
    expect(ours).toEqual(plugin);
    expect(ours['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(ours['strict-transport-security']).toBeUndefined();
  });

  it('refuse an invalid option at start-up, as helmet does', () => {
    expect(() => computeSecurityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], 'bad name!': ['x'] } } })).toThrow();
  });
});
