/**
 * Composition root: builds every service from the config with plain factories, starts the loops and the
 * server, and shuts everything down in order. The CLI, the loops and the HTTP layer share these services.
 */
import Fastify from 'fastify';
import type { LoadedConfig } from './config/load.js';
import type { Logger } from './lib/logger.js';

export interface StartOptions {
  loaded: LoadedConfig;
  log: Logger;
  /** Force the built-in simulators (orcha demo). */
  demo?: boolean;
}

export interface RunningOrcha {
  url: string;
  /** Lines to print once at start (URL of the dashboard, first admin login). */
  banner: string[];
  close(): Promise<void>;
}

export async function startOrcha(options: StartOptions): Promise<RunningOrcha> {
  const { config } = options.loaded;
  const app = Fastify({ logger: false });
  app.get('/api/v1/health', async () => ({ status: 'ok', time: new Date().toISOString() }));
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  return {
    url: address,
    banner: [],
    close: async () => {
      await app.close();
    },
  };
}
