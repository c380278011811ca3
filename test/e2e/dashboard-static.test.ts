import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/http/plugins/dashboard.js';

/** The dashboard plugin on a bare app with a JSON not-found handler, like the real one. */
describe('dashboard static serving', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orcha-dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>orcha</title><div id="app"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'orcha-dash-secret.txt'), 'TOP-SECRET-CONTENT');
    app = Fastify();
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'ORCHA_ERR_NOT_FOUND', message: `No route ${request.url}` } }));
    app.get('/api/v1/health', async () => ({ status: 'ok' }));
    await app.register(dashboardPlugin, { root: dir });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'orcha-dash-secret.txt'), { force: true });
  });

  it('serves index.html at / and for client-side routes', async () => {
    for (const url of ['/', '/alerts', '/some/deep/route?x=1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<div id="app">');
    }
  });

  it('serves hashed assets as immutable', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('leaves API, WebSocket, docs and metrics paths to the app (JSON 404, never the page)', async () => {
    expect((await app.inject({ url: '/api/v1/health' })).json()).toEqual({ status: 'ok' });
    for (const url of ['/api/v1/nope', '/api', '/ws/x', '/docs/missing', '/metrics/x']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ORCHA_ERR_NOT_FOUND');
    }
  });

  it('answers 404 for a missing asset and never serves files outside its root', async () => {
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    for (const url of ['/../orcha-dash-secret.txt', '/%2e%2e/orcha-dash-secret.txt', '/assets/%2e%2e/%2e%2e/orcha-dash-secret.txt']) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain('TOP-SECRET-CONTENT');
    }
  });

  it('explains how to build the dashboard when web/dist is missing', async () => {
    const bare = Fastify();
    await bare.register(dashboardPlugin, { root: join(dir, 'nothing-here') });
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:web');
    await bare.close();
  });
});
