/**
 * The whole product as an operator meets it, for the dashboard and CLI end-to-end tests: orcha started through its
 * composition root (security, WebSocket authentication and the dashboard as in production; simulators and engine on
 * a VirtualClock), an admin user, an open alert and a ticker that keeps simulated time (and so the snapshots) moving.
 */
import { randomUUID } from 'node:crypto';
import type { AuthService } from '../../src/auth/auth-service.js';
import type { Alert } from '../../src/domain/alert.js';
import type { App } from '../../src/http/route-types.js';
import { systemClock } from '../../src/lib/clock.js';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

export const ADMIN = { username: 'admin', password: 'e2e-admin-password-1234' };

export interface ProductHarness {
  url: string;
  server: TestOrcha;
  app: App;
  auth: AuthService;
  /**
   * Raise an open alert the way the monitor stores one. Its type is one no poll re-derives: after each poll the
   * alert service resolves snapshot alerts (earnings drop, disconnection) whose condition does not hold, and the
   * analyze loop that re-derives opportunities does not run in these tests.
   */
  raiseAlert(message: string): Promise<Alert>;
  close(): Promise<void>;
}

/**
 * `warmPolls`: snapshots taken before start (default 6); `tickMs`: real ms per simulated poll (0 = none); `config`:
 * extra orcha.yaml keys (notification channels...).
 */
export async function startProduct(options: { tickMs?: number; warmPolls?: number; config?: Record<string, unknown> } = {}): Promise<ProductHarness> {
  const server = await startTestOrcha({
    config: { intervals: { poll: 5, push: 1 }, ...options.config },
    warmPolls: options.warmPolls,
    security: true,
    adminPassword: ADMIN.password,
  });
  const auth = server.running.security?.auth;
  if (!auth) throw new Error('security is off');
  const app = server.app;

  // Each tick is one poll interval of simulated time: a new snapshot, pushed to WebSocket subscribers.
  let polling = Promise.resolve();
  const tickMs = options.tickMs ?? 1_000;
  const ticker = tickMs > 0 ? setInterval(() => {
    polling = polling.then(() => server.poll(5_000)).catch(() => undefined);
  }, tickMs) : undefined;

  return {
    url: server.url,
    server,
    app,
    auth,
    async raiseAlert(message) {
      const now = systemClock.now();
      const alert: Alert = {
        id: randomUUID(),
        type: 'optimization_opportunity',
        severity: 'warning',
        status: 'open',
        dedupKey: `e2e:${randomUUID()}`,
        protocol: server.sims.protocols[0]?.name ?? null,
        message,
        details: null,
        createdAt: now,
        updatedAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
      };
      await server.store.alerts.insert(alert);
      await server.services.cache.clear();
      return alert;
    },
    async close() {
      clearInterval(ticker);
      await polling;
      await server.close();
    },
  };
}
