/**
 * What the control plane needs to plan for a remote host, as its agent reports it: each protocol's name, type,
 * limits, pin and profile, the host's reserve, its policies and its optimizer settings (strategy, thresholds,
 * exploration). Endpoints, credentials and executors stay on the host. Older agents send no optimizer settings:
 * the control plane's own apply to them.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type Config, ConfigSchema, PolicySchema, ProtocolConfigSchema } from '../config/schema.js';

export const PlanningContextSchema = Type.Object(
  {
    protocols: Type.Array(Type.Pick(ProtocolConfigSchema, ['name', 'type', 'enabled', 'pinned', 'limits', 'profile']), { maxItems: 256 }),
    reserve: ConfigSchema.properties.host.properties.reserve,
    policies: Type.Array(PolicySchema, { maxItems: 256 }),
    optimizer: Type.Optional(ConfigSchema.properties.optimizer),
    /** The host's reallocation mode (sent with the optimizer settings): the fleet's views say whether it applies plans. */
    mode: Type.Optional(ConfigSchema.properties.reallocation.properties.mode),
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
    optimizer: config.optimizer,
    mode: config.reallocation.mode,
  };
}

/** The control plane's config with a remote host's planning settings in place of its own. */
export function planningConfig(controlPlane: Config, context: PlanningContext): Config {
  return {
    ...controlPlane,
    protocols: context.protocols as Config['protocols'],
    host: { ...controlPlane.host, reserve: context.reserve },
    policies: context.policies,
    optimizer: context.optimizer ?? controlPlane.optimizer,
    reallocation: context.mode ? { ...controlPlane.reallocation, mode: context.mode } : controlPlane.reallocation,
  };
}
