import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { Principal, RouteRole } from '../auth/roles.js';
import type { Config } from '../config/schema.js';
import type { AppServices } from '../app/types.js';
import type { FleetService } from '../fleet/fleet.service.js';
import type { HostReads } from '../fleet/host-reads.js';
import type { HostEnergy } from '../energy/host-energy.js';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface RouteDeps {
  services: AppServices;
  /** The running config (hot reload: read it per request). */
  config: () => Config;
  /** Connected WebSocket clients (for `status`). */
  websocketClients: () => number;
  /** The fleet's hosts (`?host=NAME` on read endpoints); absent when the server runs without the fleet. */
  fleet?: FleetService;
  /** What the control plane knows about one remote host beyond its samples (plans, alerts, reports...). */
  hostReads?: HostReads;
  /** Fleet hosts' power, power cost and net as their agents sent them (`GET energy...?host=NAME`). */
  hostEnergy?: HostEnergy;
}

export type RoutePlugin = (app: App, deps: RouteDeps) => Promise<void> | void;

/** `config` of a route: the least role that may call it (enforced by the security plugin). */
export function role(r: RouteRole): { role: RouteRole } {
  return { role: r };
}

/** Who made the request, as the security plugin put it on the request (null without security). */
export function principalOf(request: FastifyRequest): Principal | null {
  return (request as FastifyRequest & { principal?: Principal | null }).principal ?? null;
}

export function actorOf(request: FastifyRequest): string | null {
  return principalOf(request)?.name ?? null;
}
