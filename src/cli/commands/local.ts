/**
 * Commands that work on the database directly (like `migrate`), for setting up access before any API credential
 * exists: open the configured store and the auth service over it, and record what was done in the audit log.
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { type AuthService, createAuthService } from '../../auth/auth-service.js';
import { loadOrCreateJwtSecret } from '../../auth/jwt-secret.js';
import { loadConfig, resolveSecret } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { systemClock } from '../../lib/clock.js';
import { createStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';

export interface LocalContext {
  store: Store;
  /** The config file as loaded (defaults filled in). */
  config: Config;
  auth: AuthService;
  /** Audit a change made from the command line (actor `cli:<os user>`). */
  audit(action: string, target: string, details?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function openLocal(configFile: string | undefined): Promise<LocalContext> {
  const loaded = loadConfig(configFile);
  const { config } = loaded;
  const dataDir = resolve(loaded.baseDir, config.dataDir);
  const store = await createStore({
    url: config.storage.url,
    sqlitePath: config.storage.sqlitePath ? resolve(loaded.baseDir, config.storage.sqlitePath) : join(dataDir, 'orcha.db'),
  });
  try {
    const jwtSecret = loadOrCreateJwtSecret(dataDir, resolveSecret(config.auth.jwtSecret, loaded.baseDir));
    const auth = createAuthService({
      users: store.users,
      clock: systemClock,
      jwtSecret,
      settings: { accessTokenTtl: config.auth.accessTokenTtl, refreshTokenTtl: config.auth.refreshTokenTtl },
    });
    const actor = `cli:${userInfo().username}`;
    return {
      store,
      config,
      auth,
      audit: (action, target, details) =>
        store.audit.insert({
          time: systemClock.now(),
          actor,
          role: 'admin',
          action,
          target,
          sourceIp: null,
          result: 'success',
          requestId: null,
          details: details ?? null,
        }),
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
