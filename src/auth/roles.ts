import type { Role } from '../store/types.js';

export type { Role };

/** What a route may declare in `config.role`. `public` needs no credentials. */
export type RouteRole = 'public' | Role;

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'] as const;

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return value === 'viewer' || value === 'operator' || value === 'admin';
}

/** True when `role` carries at least the rights of `required` (admin ⊃ operator ⊃ viewer). */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** Who made a request: a logged-in user (JWT) or an API key. */
export interface Principal {
  kind: 'user' | 'apikey';
  id: string;
  name: string;
  role: Role;
}

export const WS_TOPICS = ['metrics', 'alerts', 'reallocations', 'config', 'health', 'operations', 'hosts'] as const;
export type WsTopic = (typeof WS_TOPICS)[number];

/**
 * WebSocket topics a role may subscribe to. Everything read-only is open to viewers; `config` carries the
 * running configuration and its validation errors, which (like `GET config`) only admins may see.
 */
export function topicsForRole(role: Role): WsTopic[] {
  const readable: WsTopic[] = ['metrics', 'alerts', 'reallocations', 'health', 'operations', 'hosts'];
  return role === 'admin' ? [...readable, 'config'] : readable;
}
