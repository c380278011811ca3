/**
 * Child of gc-deadline.test.ts, run as `node --expose-gc --import tsx`: a coordinator on the system clock polls a
 * healthy node and a node that never answers every second, stores every snapshot in a real SQLite file, forces a
 * garbage collection after each snapshot and during each poll of the hanging node, and prints what happened as one
 * JSON line. Before
 * issue 12 the hanging node's deadline (an AbortSignal.timeout inside AbortSignal.any) could be collected, so that
 * poll, and every poll after it, never ended.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { createAdapters } from '../../src/adapters/index.js';
import { createStaticPriceSource } from '../../src/adapters/prices.js';
import { type ProtocolConfig, ProtocolConfigSchema } from '../../src/config/schema.js';
import { createCoordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createStore } from '../../src/store/index.js';
import { startMisbehavingNodes } from './nodes.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const POLLS = Number(process.argv[2] ?? 25);
const INTERVAL_S = Number(process.argv[3] ?? 1);

// Each request earns one token, so a stored sample with something earned is a fresh reading (a carried one earns 0).
let counter = 0;
const requests: number[] = [];
const healthy = createServer((_req, res) => {
  counter += 1;
  requests.push(Date.now());
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ earnings: counter }));
});
await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', r));
const hang = await startMisbehavingNodes({ kinds: ['hang'] });
const dir = await mkdtemp(join(tmpdir(), 'orcha-gc-deadline-'));
const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });

const protocol = (name: string, endpoint: string, timeout: number) =>
  Value.Default(ProtocolConfigSchema, { name, type: 'http-json', endpoint, timeout, mapping: { path: '/b', earnings: 'earnings' } }) as ProtocolConfig;
const protocols = [
  protocol('healthy', `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`, 3),
  // Its deadline (0.6 of an interval) passes before the next slot, so it is polled, and times out, at every slot.
  protocol('hang', hang.nodes[0]!.url, INTERVAL_S * 0.6),
];
const coordinator = createCoordinator({
  protocols,
  adapters: createAdapters(protocols, { baseDir: '.', clock: systemClock }),
  metrics: store.metrics,
  ledgers: store.ledgers,
  host: createStaticHostReader(),
  prices: createStaticPriceSource({ USD: 1 }),
  clock: systemClock,
  log: silentLogger(),
  // The breaker never opens: every poll of the hanging node reaches it and must end by its own deadline.
  settings: {
    historySize: 10,
    retries: 1,
    breakerFailures: 1_000_000,
    breakerHalfOpenAfter: 60,
    intervals: { poll: INTERVAL_S, cloudPoll: INTERVAL_S },
  },
  allocation: () => ({}),
});

const hangFailures: { code: string | null; at: number | null }[] = [];
let lastHangFailure: number | null = null;
let fresh = 0;
let pressure: NodeJS.Timeout | undefined;
coordinator.on('snapshot', (snapshot) => {
  if ((snapshot.protocols.find((p) => p.protocol === 'healthy')?.earnedTokens ?? 0) > 0) fresh += 1;
  const hanging = coordinator.status().find((s) => s.name === 'hang');
  if (hanging?.lastErrorAt != null && hanging.lastErrorAt !== lastHangFailure) {
    lastHangFailure = hanging.lastErrorAt;
    hangFailures.push({ code: hanging.lastErrorCode, at: hanging.lastErrorAt });
  }
  gc();
  // And one more while the hanging node's next poll is in flight, a fifth of an interval after it starts: the moment
  // a collection used to take its deadline away. Two collections a second, not more: on a 2-core host shared with
  // other jobs, forced collections are most of what this process costs, and a starved process skips slots.
  const next = hanging?.nextPoll ?? Date.now();
  if (pressure) clearTimeout(pressure);
  pressure = setTimeout(() => gc(), Math.max(0, next - Date.now()) + INTERVAL_S * 200);
});
const began = Date.now();
const cpuBefore = process.cpuUsage();
coordinator.start();
while (fresh < POLLS && Date.now() - began < POLLS * 4 * INTERVAL_S * 1000) await new Promise((r) => setTimeout(r, 100));
clearTimeout(pressure);
// Stopping aborts the polls in flight; a poll whose deadline was lost may still ignore that, so the report does not
// wait on it for long.
let stopTimer: NodeJS.Timeout | undefined;
await Promise.race([
  coordinator.stop(),
  new Promise((r) => {
    stopTimer = setTimeout(r, 5_000);
  }),
]);
clearTimeout(stopTimer);
const cpu = process.cpuUsage(cpuBefore);
const cpuShare = (cpu.user + cpu.system) / 1000 / (Date.now() - began);

// What a user sees: the stored samples of the healthy node that hold a fresh reading, by their stored time.
const stored: number[] = [];
for await (const page of store.metrics.iterateProtocolRows({ from: began - 60_000, to: Date.now() + 60_000, protocol: 'healthy' })) {
  for (const row of page) if (row.earnedTokens > 0) stored.push(row.time);
}
await store.close();
healthy.closeAllConnections();
await new Promise<void>((r) => healthy.close(() => r()));
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ intervalMs: INTERVAL_S * 1000, stored, requests, hangFailures, cpuShare })}\n`);
await hang.close();
process.exit(0);
