/**
 * What the control plane needs to plan for a remote host, as its agent reports it: each protocol's name, type,
 * limits, pin and profile, the host's reserve and its policies. Endpoints, credentials and executors stay on the host.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type Config, ConfigSchema, PolicySchema, ProtocolConfigSchema } from '../config/schema.js';

export const PlanningContextSchema = Type.Object(
  {
    protocols: Type.Array(Type.Pick(ProtocolConfigSchema, ['name', 'type', 'enabled', 'pinned', 'limits', 'profile']), { maxItems: 256 }),
    reserve: ConfigSchema.properties.host.properties.reserve,
    policies: Type.Array(PolicySchema, { maxItems: 256 }),
  },
  { additionalProperties: false, description: "The host's planning settings (no endpoints, no secrets)." },
);
export type PlanningContext = Static<typeof PlanningContextSchema>;

/** The planning part of an agent's running config. */
export function planningContextOf(config: Config): PlanningContext {
  return {
    protocols: config.protocols.map((p) => ({
      name: p.name,
      type: p.type,
      enabled: p.enabled,
      pinned: p.pinned,
      limits: p.limits,
      ...(p.profile ? { profile: p.profile } : {}),
    })),
    reserve: config.host.reserve,
    policies: config.policies,
  };
}

/** The control plane's config with a remote host's planning settings in place of its own. */
export function planningConfig(controlPlane: Config, context: PlanningContext): Config {
  return {
    ...controlPlane,
    protocols: context.protocols as Config['protocols'],
    host: { ...controlPlane.host, reserve: context.reserve },
    policies: context.policies,
  };
}
