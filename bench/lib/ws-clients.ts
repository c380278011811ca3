/**
 * Child process of bench/websocket.ts: holds many subscribed WebSocket clients (`ws`) and reports, for each metrics
 * push the parent announces, when the last client received it (epoch ms, high resolution).
 *
 * Parent -> child: {type:'connect', url, authorization, total}  |  {type:'arm', id}  |  {type:'exit'}
 * Child -> parent: {type:'ready', clients, failed}  |  {type:'armed', id}  |  {type:'delivered', id, received, lastAt}
 */
import WebSocket from 'ws';

type ParentMessage =
  | { type: 'connect'; url: string; authorization: string; total: number }
  | { type: 'arm'; id: number }
  | { type: 'exit' };

const now = () => performance.timeOrigin + performance.now();
const METRICS_PREFIX = Buffer.from('{"type":"metrics"');
const sockets: WebSocket[] = [];
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
  } else if (m.type === 'arm') {
    armed = m.id;
    received = 0;
    lastAt = 0;
    // A push that does not reach everyone within 10 s is reported as it stands.
    reportTimer = setTimeout(report, 10_000);
    send({ type: 'armed', id: m.id });
  } else if (m.type === 'exit') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
