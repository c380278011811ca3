/**
 * The WebSocket link to `/ws`: authenticates with the first message, subscribes to the dashboard's topics,
 * hands every `{type, timestamp, data}` message to the listener, and reconnects with backoff.
 */

export const TOPICS = ['metrics', 'alerts', 'reallocations', 'config', 'health', 'operations'] as const;
export type Topic = (typeof TOPICS)[number];

export interface LiveMessage {
  type: string;
  timestamp?: string | number;
  data: unknown;
}

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveOptions {
  token(): string | null;
  onMessage(topic: Topic | null, message: LiveMessage): void;
  onState(state: LiveState): void;
  /** The server refused our token: try to refresh; resolve false to stop reconnecting. */
  onAuthRejected(): Promise<boolean>;
}

/** Which topic a message type belongs to (`metrics`, `metrics.update`, `alert.raised` ...). */
export function topicOf(type: string): Topic | null {
  const t = type.toLowerCase();
  if (t.startsWith('metric') || t.startsWith('snapshot')) return 'metrics';
  if (t.startsWith('alert')) return 'alerts';
  if (t.startsWith('realloc')) return 'reallocations';
  if (t.startsWith('config')) return 'config';
  if (t.startsWith('health')) return 'health';
  if (t.startsWith('operation')) return 'operations';
  return null;
}

export function connectLive(options: LiveOptions): { close(): void } {
  let socket: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

  function schedule(): void {
    if (closed) return;
    const delay = Math.min(15_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt++;
    timer = setTimeout(open, delay);
  }

  function open(): void {
    if (closed) return;
    options.onState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      const token = options.token();
      if (token) ws.send(JSON.stringify({ type: 'auth', token }));
      ws.send(JSON.stringify({ type: 'subscribe', topics: TOPICS }));
    });
    ws.addEventListener('message', (event) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (!message || typeof message.type !== 'string') return;
      if (message.type === 'error' && isAuthError(message.data)) {
        ws.close(4001, 'auth');
        return;
      }
      attempt = 0;
      options.onState('live');
      options.onMessage(topicOf(message.type), message);
    });
    ws.addEventListener('close', async (event) => {
      if (socket !== ws || closed) return;
      socket = null;
      options.onState('offline');
      // 1008 policy violation / 4001 / 4401: the token was refused.
      if ([1008, 4001, 4401, 4403].includes(event.code) && !(await options.onAuthRejected())) return;
      schedule();
    });
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000, 'bye');
      socket = null;
    },
  };
}

function isAuthError(data: unknown): boolean {
  return (data as { code?: unknown } | null)?.code === 'ORCHA_ERR_UNAUTHORIZED';
}
