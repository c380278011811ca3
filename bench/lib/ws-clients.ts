/**
 * Child process of bench/websocket.ts: holds many subscribed WebSocket clients (`ws`) and reports, for each metrics
 * push the parent announces, when the last client received it (epoch ms, high resolution).
 *
 * Parent -> child: {type:'connect', url, authorization, total}  |  {type:'arm', id}  |  {type:'exit'}
 *                  {type:'raw-connect', port, total, frameBytes}  |  {type:'raw-close'}  |  {type:'ws-close'}
 * Child -> parent: {type:'ready', clients, failed}  |  {type:'armed', id}  |  {type:'delivered', id, received, lastAt}
 *
 * The raw mode holds plain TCP sockets to a plain server in the parent (no WebSocket, no JSON): the same number of
 * same-sized writes, so the benchmark can show what the machine's socket writes alone cost (the floor).
 */
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

type ParentMessage =
  | { type: 'connect'; url: string; authorization: string; total: number }
  | { type: 'raw-connect'; port: number; total: number; frameBytes: number }
  | { type: 'raw-close' }
  | { type: 'ws-close' }
  | { type: 'arm'; id: number }
  | { type: 'exit' };

const now = () => performance.timeOrigin + performance.now();
const METRICS_PREFIX = Buffer.from('{"type":"metrics"');
const sockets: WebSocket[] = [];
/** Raw mode: each socket's bytes still expected for the armed push. */
const raw = new Map<Socket, number>();
let rawFrameBytes = 0;
let failed = 0;
let armed = -1;
let received = 0;
let lastAt = 0;
let reportTimer: NodeJS.Timeout | null = null;

const send = (m: unknown) => process.send?.(m);

function report(): void {
  if (reportTimer) clearTimeout(reportTimer);
  reportTimer = null;
  send({ type: 'delivered', id: armed, received, lastAt });
}

function onRawData(socket: Socket, chunk: Buffer): void {
  const left = (raw.get(socket) ?? 0) - chunk.length;
  raw.set(socket, left);
  if (left > 0 || left + chunk.length <= 0) return;
  lastAt = now();
  received++;
  if (received === raw.size) report();
}

function openRaw(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.once('connect', () => {
      raw.set(socket, 0);
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.on('data', (chunk) => onRawData(socket, chunk));
  });
}

function onFrame(data: WebSocket.RawData): void {
  const buf = data as Buffer;
  if (buf.length < METRICS_PREFIX.length || buf.compare(METRICS_PREFIX, 0, METRICS_PREFIX.length, 0, METRICS_PREFIX.length) !== 0) return;
  lastAt = now();
  received++;
  if (received === sockets.length) report();
}

function open(url: string, authorization: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization }, perMessageDeflate: false });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (ok) sockets.push(ws);
      else failed++;
      resolve();
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['metrics'] })));
    ws.on('message', (data) => {
      if (!done) {
        if (String(data).startsWith('{"type":"subscribed"')) {
          ws.on('message', onFrame);
          finish(true);
        }
        return;
      }
    });
    ws.on('error', () => finish(false));
    ws.on('close', () => finish(false));
  });
}

process.on('message', async (m: ParentMessage) => {
  if (m.type === 'connect') {
    const BATCH = 250;
    while (sockets.length + failed < m.total) {
      const n = Math.min(BATCH, m.total - sockets.length - failed);
      await Promise.all(Array.from({ length: n }, () => open(m.url, m.authorization)));
    }
    send({ type: 'ready', clients: sockets.length, failed });
  } else if (m.type === 'raw-connect') {
    rawFrameBytes = m.frameBytes;
    let failedRaw = 0;
    const BATCH = 250;
    while (raw.size + failedRaw < m.total) {
      const n = Math.min(BATCH, m.total - raw.size - failedRaw);
      const ok = await Promise.all(Array.from({ length: n }, () => openRaw(m.port)));
      failedRaw += ok.filter((x) => !x).length;
    }
    send({ type: 'ready', clients: raw.size, failed: failedRaw });
  } else if (m.type === 'ws-close') {
    for (const ws of sockets) ws.terminate();
    sockets.length = 0;
    failed = 0;
    send({ type: 'ws-closed' });
  } else if (m.type === 'raw-close') {
    for (const socket of raw.keys()) socket.destroy();
    raw.clear();
    send({ type: 'raw-closed' });
  } else if (m.type === 'arm') {
    armed = m.id;
    received = 0;
    lastAt = 0;
    for (const socket of raw.keys()) raw.set(socket, rawFrameBytes);
    // A push that does not reach everyone within 10 s is reported as it stands.
    reportTimer = setTimeout(report, 10_000);
    send({ type: 'armed', id: m.id });
  } else if (m.type === 'exit') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
