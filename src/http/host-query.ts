/**
 * `?host=NAME` on the read endpoints: this machine's name (or none) answers from the local tables as always; a fleet
 * host answers from what its agent sent; any other name is a 404 naming it.
 */
import { hostname } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Config } from '../config/schema.js';
import { HOST_NAME_PATTERN, localHostName } from '../domain/host.js';
import type { FleetService } from '../fleet/fleet.service.js';
import { OrchaError } from '../lib/errors.js';
import type { HostRecord } from '../store/repositories/fleet.repository.js';

export const HostQuery = Type.Optional(
  Type.String({
    pattern: HOST_NAME_PATTERN,
    maxLength: 63,
    description: "A host of the fleet (GET /api/v1/hosts lists them); default and this machine's own name: this machine.",
  }),
);

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
