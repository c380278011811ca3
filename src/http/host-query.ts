/**
 * `?host=NAME` on the read endpoints: this machine's name (or none) answers from the local tables as always; a fleet
 * host answers from what its agent sent and what the control plane decided for it; any other name is a 404 naming it.
 */
import { hostname } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Config } from '../config/schema.js';
import { HOST_NAME_PATTERN, localHostName } from '../domain/host.js';
import type { FleetService } from '../fleet/fleet.service.js';
import type { HostReads } from '../fleet/host-reads.js';
import { OrchaError } from '../lib/errors.js';
import type { HostRecord } from '../store/repositories/fleet.repository.js';
import type { RouteDeps } from './route-types.js';

/** The `host` query parameter, with what it means on this route. */
export const hostQuery = (description = "A host of the fleet (GET /api/v1/hosts lists them); default and this machine's own name: this machine.") =>
  Type.Optional(Type.String({ pattern: HOST_NAME_PATTERN, maxLength: 63, description }));

export const HostQuery = hostQuery();

/** This machine's name in the fleet: `fleet.localName`, else its hostname. */
export function localHost(config: Config): string {
  return config.fleet.localName ?? localHostName(hostname());
}

/** The remote host a request names, or null for this machine; a name nobody knows is a 404 naming it. */
export async function remoteHost(name: string | undefined, config: Config, fleet: FleetService | undefined): Promise<HostRecord | null> {
  if (name === undefined || name === localHost(config)) return null;
  if (!fleet) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${name}" (this server has no fleet)`);
  return fleet.host(name);
}

/** The remote host a request names with the reads about it, or null for this machine (404 for an unknown name). */
export async function remoteScope(name: string | undefined, deps: Pick<RouteDeps, 'config' | 'fleet' | 'hostReads'>): Promise<{ host: HostRecord; reads: HostReads } | null> {
  const host = await remoteHost(name, deps.config(), deps.fleet);
  if (!host) return null;
  if (!deps.hostReads) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `This server keeps no plans or alerts for host "${host.name}"`);
  return { host, reads: deps.hostReads };
}
