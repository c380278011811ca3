/**
 * WebSocket fan-out (SPEC §10): 1,000 then 5,000 clients subscribed to `metrics` on the real app's `/ws`, held by a
 * separate process; for each of 20 pushes, the time from the push (the hub serializing the latest snapshot and
 * writing it to every subscriber) until the last client has received it. Options: --counts 1000,5000 --pushes 20.
 */
import { type ChildProcess, execSync, fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startOrchaInstance, waitForSnapshot } from './lib/orcha-instance.js';
import { median, percentile, round, startRun } from './lib/results.js';

const { values } = parseArgs({ options: { counts: { type: 'string', default: '1000,5000' }, pushes: { type: 'string', default: '20' } } });
const PUSHES = Number(values.pushes);
const wanted = values.counts.split(',').map(Number);
const BAR_CLIENTS = 5000;

/** Each client is one descriptor in each process; keep headroom for the database, simulators and the loader. */
function descriptorLimit(): number {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()) || 1024;
  } catch {
    return 1024;
  }
}
const fdLimit = descriptorLimit();
const maxClients = fdLimit - 512;
const counts = wanted.map((n) => Math.min(n, maxClients));
const caveats: string[] = [];
if (counts.some((c, i) => c < wanted[i])) {
  caveats.push(`The open-file limit here is ${fdLimit} (ulimit -n); client counts were capped at ${maxClients}. Raise the limit (ulimit -n) to run the full counts.`);
}

const run = startRun('websocket', 'WebSocket: metrics fan-out');
const now = () => performance.timeOrigin + performance.now();

interface Delivered {
  type: 'delivered';
  id: number;
  received: number;
  lastAt: number;
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`websocket client process exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

// The push loop is slowed to an hour so that only the benchmark's own pushes go out.
const orcha = await startOrchaInstance({ config: { intervals: { push: 3600 } } });
const child = fork(fileURLToPath(new URL('./lib/ws-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
const rows: (string | number)[][] = [];
/**
 * The floor: the same number of same-sized writes to plain TCP sockets held by the same client process (no
 * WebSocket framing, no JSON), timed the same way. On loopback each write also pays for the receiver's TCP work,
 * so this is what one thread's socket writes alone cost on this machine.
 */
async function rawFloor(count: number, frameBytes: number): Promise<{ clients: number; medianMs: number; p90Ms: number; samplesMs: number[] }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    child.send({ type: 'raw-connect', port, total: count, frameBytes });
    const ready = await nextMessage<{ clients: number }>(child, 'ready');
    while (accepted.length < ready.clients) await new Promise((r) => setTimeout(r, 20));
    const payload = Buffer.alloc(frameBytes, 0x61);
    const samples: number[] = [];
    for (let i = 0; i < PUSHES + 2; i++) {
      child.send({ type: 'arm', id: -1 - i });
      await nextMessage(child, 'armed');
      const delivered = nextMessage<Delivered>(child, 'delivered');
      const pushedAt = now();
      for (const socket of accepted) socket.write(payload);
      const d = await delivered;
      if (i >= 2) samples.push(d.lastAt - pushedAt);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.send({ type: 'raw-close' });
    await nextMessage(child, 'raw-closed');
    return { clients: ready.clients, medianMs: median(samples), p90Ms: percentile(samples, 90), samplesMs: samples.map((x) => round(x, 2)) };
  } finally {
    for (const socket of accepted) socket.destroy();
    await new Promise((r) => server.close(r));
  }
}

type Floor = Awaited<ReturnType<typeof rawFloor>>;
let floor: Floor | null = null;
const floorRuns: Floor[] = [];
const perCount: { clients: number; failed: number; medianMs: number; p90Ms: number; maxMs: number; incomplete: number; samplesMs: number[]; frameBytes: number }[] = [];
try {
  const snapshot = await waitForSnapshot(orcha);
  const hub = orcha.running.app.wsHub;
  const wsUrl = `${orcha.url.replace(/^http/, 'ws')}/ws`;
  const metricsFrameBytes = Buffer.byteLength(JSON.stringify({ type: 'metrics', timestamp: new Date().toISOString(), data: snapshot }));
  const floorCount = Math.max(...counts);
  // Measured before and after the WebSocket runs (outside load drifts); the figure is the median of both.
  const measureFloor = async () => {
    const f = await rawFloor(floorCount, metricsFrameBytes);
    floorRuns.push(f);
    console.log(`floor: ${f.clients} plain TCP sockets, one ${metricsFrameBytes}-byte write each: median ${f.medianMs.toFixed(1)} ms`);
  };
  await measureFloor();
  let pushId = 0;
  for (const count of counts) {
    const connectStarted = performance.now();
    child.send({ type: 'connect', url: wsUrl, authorization: orcha.authorization, total: count });
    const ready = await nextMessage<{ clients: number; failed: number }>(child, 'ready');
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    console.log(`${ready.clients} clients subscribed (${ready.failed} failed) in ${connectSeconds.toFixed(1)} s; server counts ${hub.clientCount}`);
    const samples: number[] = [];
    let incomplete = 0;
    for (let i = 0; i < PUSHES + 2; i++) {
      const id = pushId++;
      child.send({ type: 'arm', id });
      await nextMessage(child, 'armed');
      const delivered = nextMessage<Delivered>(child, 'delivered');
      const pushedAt = now();
      hub.pushMetrics();
      const d = await delivered;
      if (i < 2) continue; // warm-up pushes
      if (d.received < ready.clients) incomplete++;
      samples.push(d.lastAt - pushedAt);
      await new Promise((r) => setTimeout(r, 200));
    }
    const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'metrics', timestamp: new Date().toISOString(), data: snapshot }));
    const entry = {
      clients: ready.clients,
      failed: ready.failed,
      medianMs: median(samples),
      p90Ms: percentile(samples, 90),
      maxMs: Math.max(...samples),
      incomplete,
      samplesMs: samples.map((s) => round(s, 2)),
      frameBytes,
    };
    perCount.push(entry);
    rows.push([ready.clients, round(entry.medianMs, 1), round(entry.p90Ms, 1), round(entry.maxMs, 1), incomplete, round(connectSeconds, 1)]);
    console.log(`  ${ready.clients} clients: median ${entry.medianMs.toFixed(1)} ms, max ${entry.maxMs.toFixed(1)} ms`);
  }
  child.send({ type: 'ws-close' });
  await nextMessage(child, 'ws-closed');
  await measureFloor();
  const all = floorRuns.flatMap((f) => f.samplesMs);
  floor = { clients: floorCount, medianMs: median(all), p90Ms: percentile(all, 90), samplesMs: all };
} finally {
  child.send({ type: 'exit' });
  await orcha.close();
}

const atBar = perCount.find((p) => p.clients >= BAR_CLIENTS) ?? perCount.at(-1)!;
run.finish({
  method: [
    'orcha is the real composition root (startOrcha) with 5 simulated protocols; clients connect to its /ws with the admin\'s JWT in the Authorization header and subscribe to `metrics`. They live in a separate process (fork) using the `ws` package, without per-message compression.',
    `Each measurement: the benchmark calls the hub's pushMetrics() (what the push loop does every intervals.push), which serializes the latest snapshot once (${perCount[0]?.frameBytes ?? '?'} bytes per frame) and writes it to every subscriber; the client process notes when each client's frame arrives. The figure is the time from the push call to the last client's arrival, across processes on one clock (performance.timeOrigin + performance.now()).`,
    `${PUSHES} pushes per client count (after 2 warm-up pushes), 200 ms apart; median reported. The push loop itself is slowed to once an hour during the benchmark so only measured pushes go out.`,
  ],
  checks: [
    { what: `metrics push reaches all ${atBar.clients} clients, median of ${PUSHES}`, value: round(atBar.medianMs, 1), unit: 'ms', bar: '< 50 ms for 5,000 clients', met: atBar.clients >= BAR_CLIENTS && atBar.medianMs < 50 },
    ...perCount.filter((p) => p !== atBar).map((p) => ({ what: `metrics push reaches all ${p.clients} clients, median`, value: round(p.medianMs, 1), unit: 'ms', bar: '— (5,000 is the bar)', met: null })),
    ...(floor
      ? [{ what: `floor: one write of the same size to each of ${floor.clients} plain TCP sockets, median`, value: round(floor.medianMs, 1), unit: 'ms', bar: '— (the machine, not orcha)', met: null }]
      : []),
  ],
  tables: [
    { title: 'Time from push to the last client', columns: ['clients', 'median ms', 'p90 ms', 'max ms', 'pushes not reaching everyone', 'connect + subscribe s'], rows },
    ...(floor
      ? [
          {
            title: 'Floor: plain TCP writes, same count and size, same clock (before and after the WebSocket runs)',
            columns: ['sockets', 'run', 'median ms', 'p90 ms'],
            rows: [
              ...floorRuns.map((f, i) => [f.clients, i === 0 ? 'before' : 'after', round(f.medianMs, 1), round(f.p90Ms, 1)]),
              [floor.clients, 'both', round(floor.medianMs, 1), round(floor.p90Ms, 1)],
            ],
          },
        ]
      : []),
  ],
  caveats: [
    ...caveats,
    'The receiving process handles every client\'s frame on one thread, so its own work is part of the figure (a pessimistic measure: real clients are on their own machines).',
    'On loopback every write also runs the receiving side\'s TCP processing in the sender\'s system call, on the same 2 cores; the floor row shows what the socket writes alone cost here, without WebSocket or orcha.',
  ],
  raw: { fdLimit, perCount, floor, floorRuns },
});
