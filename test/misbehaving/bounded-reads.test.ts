import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../src/adapters/index.js';
import { DEFAULT_READ_LIMITS, createHttpClient, withReadLimits } from '../../src/adapters/http.js';
import { buildConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/lib/clock.js';
import { type OrchaError, isOrchaError } from '../../src/lib/errors.js';
import { type MisbehavingNodes, startMisbehavingNodes } from './nodes.js';

/** Issue 12, must hold 3: every read from a node is bounded, fails with a coded error naming the bound, memory stays flat. */

let bad: MisbehavingNodes;
const url = (kind: string) => `${bad.nodes.find((n) => n.kind === kind)!.url}/balance`;
const http = createHttpClient({ now: () => Date.now() });
const Body = Type.Object({ earnings: Type.Number() });

async function failure(p: Promise<unknown>): Promise<OrchaError> {
  try {
    await p;
  } catch (err) {
    if (isOrchaError(err)) return err;
    throw err;
  }
  throw new Error('the read succeeded');
}

const read = (kind: string, ms = 10_000) => http.json(url(kind), Body, { signal: AbortSignal.timeout(ms), label: kind });

beforeAll(async () => {
  bad = await startMisbehavingNodes({ kinds: ['endless', 'gzip-bomb', 'deep-nesting', 'redirect-loop', 'drip'] });
});
afterAll(async () => {
  await bad.close();
});

describe('bounded reads from a node', () => {
  it('cuts an endless body, a gzip bomb, deep nesting and a redirect loop with a coded error naming the bound', async () => {
    const endless = await failure(read('endless'));
    expect(endless.code).toBe('ORCHA_ERR_ADAPTER_LIMIT');
    expect(endless.message).toMatch(/^endless: more than 4194304 bytes on the wire \(bound maxResponseBytes = 4194304\)$/);
    expect(endless.details).toEqual({ bound: 'maxResponseBytes', limit: DEFAULT_READ_LIMITS.maxResponseBytes });

    const bomb = await failure(read('gzip-bomb'));
    expect(bomb.code).toBe('ORCHA_ERR_ADAPTER_LIMIT');
    expect(bomb.message).toMatch(/decompresses to more than 4194304 bytes \(bound maxResponseBytes = 4194304\)/);

    const deep = await failure(read('deep-nesting'));
    expect(deep.code).toBe('ORCHA_ERR_ADAPTER_LIMIT');
    expect(deep.message).toMatch(/JSON nested deeper than 64 levels \(bound maxJsonDepth = 64\)/);

    const loop = await failure(read('redirect-loop'));
    expect(loop.code).toBe('ORCHA_ERR_ADAPTER_LIMIT');
    expect(loop.message).toMatch(/more than 5 redirects \(bound maxRedirects = 5\)/);
    // The first request and five redirects followed, no more.
    expect(bad.nodes.find((n) => n.kind === 'redirect-loop')!.requests).toBe(6);

    const drip = await failure(read('drip', 700));
    expect(drip.code).toBe('ORCHA_ERR_TIMEOUT');
  });

  it('keeps RSS growth under 50 MB over many endless, gzip-bomb and deeply nested bodies', async () => {
    for (let i = 0; i < 3; i++) await Promise.allSettled([read('endless'), read('gzip-bomb'), read('deep-nesting')]);
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    for (let i = 0; i < 15; i++) {
      const results = await Promise.allSettled([read('endless'), read('gzip-bomb'), read('deep-nesting')]);
      for (const r of results) expect(r.status).toBe('rejected');
    }
    clearInterval(timer);
    const growthMb = (Math.max(peak, process.memoryUsage().rss) - before) / 2 ** 20;
    expect(growthMb).toBeLessThan(50);
  });

  it('a protocol sets its own bound (maxResponseBytes); an injected fetch is bounded the same way', async () => {
    const body = JSON.stringify({ earnings: 5, pad: 'x'.repeat(300_000) });
    const server = createServer((req, res) => {
      const zipped = req.url?.startsWith('/zipped');
      const payload = zipped ? gzipSync(body) : Buffer.from(body);
      res.writeHead(200, { 'content-type': 'application/json', ...(zipped ? { 'content-encoding': 'gzip' } : {}) });
      res.end(payload);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const config = (maxResponseBytes?: number, path = '/plain') =>
        buildConfig({ protocols: [{ name: 'p', type: 'http-json', endpoint: base, mapping: { path, earnings: 'earnings' }, maxResponseBytes }] }, {})
          .protocols[0]!;
      const deps = { baseDir: '.', clock: systemClock };
      expect((await createAdapter(config(), deps).read(AbortSignal.timeout(5000))).cumulativeTokens).toBe(5);
      const small = await failure(createAdapter(config(100_000), deps).read(AbortSignal.timeout(5000)));
      expect(small.message).toMatch(/bound maxResponseBytes = 100000/);
      // Compressed, the body is small on the wire: the bound still applies to what it inflates to.
      const zipped = await failure(createAdapter(config(100_000, '/zipped'), deps).read(AbortSignal.timeout(5000)));
      expect(zipped.message).toMatch(/decompresses to more than 100000 bytes/);
      // Through an injected fetch (which decodes itself), the decoded bytes are counted.
      const viaFetch = createHttpClient({ fetch: withReadLimits({ maxResponseBytes: 100_000 }, fetch), now: () => Date.now() });
      const injected = await failure(viaFetch.json(`${base}/zipped`, Body, { signal: AbortSignal.timeout(5000), label: 'zipped' }));
      expect(injected.message).toMatch(/decompresses to more than 100000 bytes/);
      let invalid: unknown = null;
      try {
        config(10);
      } catch (err) {
        invalid = err;
      }
      expect(JSON.stringify((invalid as OrchaError).details)).toContain('protocols[0].maxResponseBytes');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
