import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config/schema.js';
import type { FleetService } from '../fleet/fleet.service.js';
import type { HostReads } from '../fleet/host-reads.js';
import type { HostEnergy } from '../energy/host-energy.js';
import type { Logger } from '../lib/logger.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { lazyCompilers } from './lazy-compilers.js';
import { clientErrorHandler, frameworkErrorHandler, registerBoundedJsonParser, registerFiniteQueryCheck } from './request-guards.js';
import { finishOpenApiDocument, transformRouteSchema } from './openapi.js';
import securityPlugin, { type SecurityPluginOptions } from './plugins/security.js';
import { registerPrometheus, resolveMetricsCredentials } from './prometheus.js';
import type { App, RouteDeps, RoutePlugin } from './route-types.js';
import alertsRoutes from './routes/alerts/index.js';
import allocationRoutes from './routes/allocation/index.js';
import { registerSecurityRoutes } from './routes/auth/register.js';
import cacheRoutes from './routes/cache/index.js';
import configRoutes from './routes/config/index.js';
import dashboardRoutes from './routes/dashboard/index.js';
import energyRoutes from './routes/energy/index.js';
import fleetRoutes from './routes/fleet/index.js';
import exportRoutes from './routes/export/index.js';
import healthRoutes from './routes/health/index.js';
import { hostsRoutes } from './routes/hosts/index.js';
import metricsRoutes from './routes/metrics/index.js';
import notificationsRoutes from './routes/notifications/index.js';
import operationsRoutes from './routes/operations/index.js';
import opportunitiesRoutes from './routes/opportunities/index.js';
import payoutsRoutes from './routes/payouts/index.js';
import policiesRoutes from './routes/policies/index.js';
import reallocationRoutes from './routes/reallocation/index.js';
import reportsRoutes from './routes/reports/index.js';
import statusRoutes from './routes/status/index.js';
import type { AppServices } from '../app/types.js';
import { type WsHub, type WsOptions, registerWebSocket } from './websocket.js';

export const API_PREFIX = '/api/v1';

export interface BuildAppOptions {
  services: AppServices;
  /** The running config; a getter so that hot-reloaded values apply to the next request. */
  config: () => Config;
  log: Logger;
  /** Authentication, roles, rate limits and audit; without it every route is open (tests of the API itself). */
  security?: SecurityPluginOptions;
  websocket?: WsOptions;
  /** Extra plugins registered last (the dashboard's static files). */
  extraPlugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  /** The fleet's hosts and the agents' ingest route (SPEC §9). */
  fleet?: FleetService;
  /** The reads about one remote host (`?host=NAME` beyond metrics, GET hosts/{name}/plans). */
  hostReads?: HostReads;
  /** Fleet hosts' energy as their agents sent it (`GET energy...?host=NAME`). */
  hostEnergy?: HostEnergy;
  version?: string;
  /**
   * Where `{file}`/`{env}` secrets of the config resolve (`metrics.auth`): the config file's directory and the
   * environment. Default: the working directory and process.env.
   */
  secrets?: { baseDir: string; env: NodeJS.ProcessEnv };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket hub (client count, publish, metrics push). */
    wsHub: WsHub;
    /** Every route registered, `METHOD /url` (tests check each one is in the OpenAPI document). */
    routeList: { method: string; url: string; hidden: boolean }[];
  }
}

/** A request id from the client is kept when it is sane (it ends up in logs); otherwise a new UUID v4. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ROUTES: RoutePlugin[] = [
  metricsRoutes,
  opportunitiesRoutes,
  allocationRoutes,
  reallocationRoutes,
  dashboardRoutes,
  alertsRoutes,
  healthRoutes,
  statusRoutes,
  reportsRoutes,
  exportRoutes,
  configRoutes,
  policiesRoutes,
  operationsRoutes,
  cacheRoutes,
  notificationsRoutes,
  energyRoutes,
  payoutsRoutes,
  fleetRoutes,
];

/** Builds the whole HTTP app (REST, WebSocket, Prometheus, OpenAPI) without listening. */
export async function buildApp(options: BuildAppOptions): Promise<App> {
  const { services, config } = options;
  const initial = config();
  const app = Fastify({
    loggerInstance: options.log.child({ module: 'http' }),
    bodyLimit: initial.server.bodyLimit,
    requestTimeout: initial.server.requestTimeout * 1000,
    trustProxy: initial.server.trustProxy,
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
    },
    // Per-request lines carry the request id; one line per request would drown the daemon's own logs.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: true,
    // Errors raised before routing (bad URL encoding) and by Node's HTTP parser answer in the one error shape too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    schemaController: { compilersFactory: lazyCompilers() },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const routeList: { method: string; url: string; hidden: boolean }[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routeList.push({ method, url: route.url, hidden });
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  registerBoundedJsonParser(app as unknown as FastifyInstance);
  registerFiniteQueryCheck(app as unknown as FastifyInstance);
  // Callback-style (not async) hooks on the hot path: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    // Routes note what they touched for the audit log; with security (and the audit log) off nobody reads it.
    request.audit = {};
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'DePIN Orcha API',
        version: options.version ?? '0.1.0',
        description: 'Watch, record and optimize resource allocation across DePIN nodes. Times are ISO 8601 UTC.',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      },
      servers: [{ url: '/', description: 'this orcha server' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'JWT access token or API key' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: transformRouteSchema,
    transformObject: (documentObject) =>
      finishOpenApiDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
  });
  await app.register(async (docs) => {
    // The reference is public, like the login page.
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), role: 'public' } as typeof route.config;
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });

  if (options.security) await app.register(securityPlugin, options.security);

  let hub: WsHub | null = null;
  const deps: RouteDeps = { services, config, websocketClients: () => hub?.clientCount ?? 0, fleet: options.fleet, hostReads: options.hostReads, hostEnergy: options.hostEnergy };
  // `metrics.auth` is read at each scrape (hot reload applies); unset keeps /metrics public.
  const secrets = options.secrets ?? { baseDir: process.cwd(), env: process.env };
  const metricsCredentials = () => resolveMetricsCredentials(config().metrics.auth, secrets.baseDir, secrets.env);
  metricsCredentials(); // a missing {env}/{file} secret stops the start, not the first scrape
  registerPrometheus(app, { services, wsClients: deps.websocketClients, credentials: metricsCredentials });
  hub = await registerWebSocket(app, { services, config, options: options.websocket });
  app.decorate('wsHub', hub);

  await app.register(
    async (api) => {
      for (const routes of ROUTES) await routes(api as App, deps);
    },
    { prefix: API_PREFIX },
  );
  if (options.security) {
    await registerSecurityRoutes(app as unknown as FastifyInstance, {
      auth: options.security.auth,
      audit: options.security.audit,
      prefix: API_PREFIX,
    });
  }
  if (options.fleet) await app.register(hostsRoutes, { prefix: API_PREFIX, fleet: options.fleet, hostReads: options.hostReads });
  for (const plugin of options.extraPlugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}

/**
 * Graceful stop of the HTTP side: stop accepting, let in-flight requests finish (new ones get 503), close the
 * WebSocket clients. Past `timeoutMs` remaining connections are cut. The caller then stops the loops and closes
 * the database.
 */
/** Listens where the config says; returns the address to print (port 0 resolved, IPv6 in brackets). */
export async function listenApp(app: App, server: { host: string; port: number }): Promise<string> {
  await app.listen({ host: server.host, port: server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  return `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${port}`;
}

export async function closeApp(app: FastifyInstance | App, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections?.();
      resolve();
    }, timeoutMs);
  });
  await Promise.race([app.close(), deadline]);
  clearTimeout(timer);
}
