/**
 * Child of gc-deadline.test.ts, run as `node --expose-gc --import tsx`: a coordinator on the system clock polls a
 * healthy node and a node that never answers, with a garbage collection forced between polls (and every 300 ms), and
 * prints what happened as one JSON line. Before issue 12 the hanging node's deadline (an AbortSignal.timeout inside
 * AbortSignal.any) could be collected, so that poll, and every poll after it, never ended.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { createAdapters } from '../../src/adapters/index.js';
import { createStaticPriceSource } from '../../src/adapters/prices.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../../src/config/schema.js';
import { createCoordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startMisbehavingNodes } from './nodes.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const POLLS = Number(process.argv[2] ?? 22);

let counter = 0;
const healthy = createServer((_req, res) => {
  counter += 1;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ earnings: counter }));
});
await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', r));
const hang = await startMisbehavingNodes({ kinds: ['hang'] });

const protocol = (name: string, endpoint: string, timeout: number) =>
  Value.Default(ProtocolConfigSchema, { name, type: 'http-json', endpoint, timeout, mapping: { path: '/b', earnings: 'earnings' } }) as ProtocolConfig;
const protocols = [
  protocol('healthy', `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`, 3),
  protocol('hang', hang.nodes[0]!.url, 1),
];
const coordinator = createCoordinator({
  protocols,
  adapters: createAdapters(protocols, { baseDir: '.', clock: systemClock }),
  metrics: { insertSnapshot: async () => undefined },
  host: createStaticHostReader(),
  prices: createStaticPriceSource({ USD: 1 }),
  clock: systemClock,
  log: silentLogger(),
  // The breaker never opens: every poll of the hanging node reaches it and must end by its own deadline.
  settings: { historySize: 10, retries: 1, breakerFailures: 1_000_000, breakerHalfOpenAfter: 60, intervals: { poll: 2, cloudPoll: 2 } },
  allocation: () => ({}),
});

const successes: number[] = [];
const hangFailures: { code: string | null; at: number | null }[] = [];
let lastHangFailure: number | null = null;
coordinator.on('snapshot', () => {
  for (const s of coordinator.status()) {
    if (s.name === 'healthy' && s.lastSuccess !== null && successes[successes.length - 1] !== s.lastSuccess) successes.push(s.lastSuccess);
    if (s.name === 'hang' && s.lastErrorAt !== null && s.lastErrorAt !== lastHangFailure) {
      lastHangFailure = s.lastErrorAt;
      hangFailures.push({ code: s.lastErrorCode, at: s.lastErrorAt });
    }
  }
  gc();
});
const pressure = setInterval(() => gc(), 300);
coordinator.start();
const began = Date.now();
while (successes.length < POLLS && Date.now() - began < POLLS * 4_000) await new Promise((r) => setTimeout(r, 100));
clearInterval(pressure);
await coordinator.stop();
healthy.closeAllConnections();
await new Promise<void>((r) => healthy.close(() => r()));
await hang.close();
process.stdout.write(`${JSON.stringify({ successes, hangFailures })}\n`);
