/**
 * The whole product as an operator meets it, for the dashboard and CLI end-to-end tests: the API engineer's test
 * server (simulators, coordinator, engine, SQLite) behind a second app with the security plugin, WebSocket
 * authentication and the dashboard plugin, plus an admin user, an open alert and a ticker that keeps simulated
 * time (and so the snapshots) moving.
 */
import { randomUUID } from 'node:crypto';
import { authenticateToken } from '../../src/http/plugins/security.js';
import { type AuthService, createAuthService } from '../../src/auth/auth-service.js';
import { createMemoryRateLimiter } from '../../src/auth/rate-limiter.js';
import type { Alert } from '../../src/domain/alert.js';
import { buildApp, closeApp } from '../../src/http/app.js';
import { dashboardPlugin } from '../../src/http/plugins/dashboard.js';
import type { App } from '../../src/http/route-types.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

export const ADMIN = { username: 'admin', password: 'e2e-admin-password-1234' };
const JWT_SECRET = 'dashboard-e2e-jwt-secret-0123456789abcdef0123';

export interface ProductHarness {
  url: string;
  server: TestServer;
  app: App;
  auth: AuthService;
  /** Raise an open alert the way the monitor stores one. */
  raiseAlert(message: string): Promise<Alert>;
  close(): Promise<void>;
}

/** `warmPolls`: snapshots taken before start (default 6); `tickMs`: real ms per simulated poll (0 = none). */
export async function startProduct(options: { tickMs?: number; warmPolls?: number } = {}): Promise<ProductHarness> {
  const server = await startTestServer({ config: { intervals: { poll: 5, push: 1 } }, warmPolls: options.warmPolls });
  const auth = createAuthService({
    users: server.store.users,
    clock: systemClock,
    jwtSecret: JWT_SECRET,
    settings: () => server.configService.current().auth,
  });
  await auth.createUser({ ...ADMIN, role: 'admin' });
  const rateLimiter = createMemoryRateLimiter({ clock: systemClock });
  const config = () => server.configService.current();
  const app = await buildApp({
    services: { ...server.services, authenticate: authenticateToken(auth) },
    config,
    log: silentLogger(),
    security: { auth, rateLimiter, audit: server.store.audit, config, clock: systemClock },
    extraPlugins: [
      async (scope) => {
        await scope.register(dashboardPlugin);
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  // Each tick is one poll interval of simulated time: a new snapshot, pushed to WebSocket subscribers.
  let polling = Promise.resolve();
  const tickMs = options.tickMs ?? 1_000;
  const ticker = tickMs > 0 ? setInterval(() => {
    polling = polling.then(() => server.poll(5_000)).catch(() => undefined);
  }, tickMs) : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    server,
    app,
    auth,
    async raiseAlert(message) {
      const now = systemClock.now();
      const alert: Alert = {
        id: randomUUID(),
        type: 'earnings_drop',
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
      await closeApp(app, 2000);
      await rateLimiter.close();
      await server.close();
    },
  };
}
