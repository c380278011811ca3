import { type Static, Type } from '@sinclair/typebox';

/**
 * What a node says about its own health, read with its earnings at each poll: what operators watch more closely than
 * earnings (a suspended or disqualified Storj node loses its held amount). Every field is optional: a protocol fills
 * what its API serves, and a field missing means "not reported", never "fine".
 */

const Score = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

export const SatelliteHealthSchema = Type.Object({
  id: Type.String(),
  url: Type.Optional(Type.String()),
  /** ISO time the satellite disqualified the node; null when it did not. */
  disqualified: Type.Union([Type.String(), Type.Null()]),
  suspended: Type.Union([Type.String(), Type.Null()]),
  /** Scores in [0, 1] from the satellite's audits (null when the node did not report them). */
  auditScore: Score,
  suspensionScore: Score,
  onlineScore: Score,
});
export type SatelliteHealth = Static<typeof SatelliteHealthSchema>;

/** A reason the node is not healthy, as the node states it (Golem driver problems, an optional endpoint failing). */
export const HealthProblemSchema = Type.Object({
  /** Stable, machine-readable: `InsufficientGas`, `activity-stats-unavailable`, `quic-misconfigured`... */
  code: Type.String({ minLength: 1, maxLength: 100 }),
  message: Type.String({ maxLength: 500 }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
});
export type HealthProblem = Static<typeof HealthProblemSchema>;

export const NodeHealthSchema = Type.Object({
  version: Type.Optional(Type.String({ maxLength: 100 })),
  /** The node's own verdict on its version (Storj `upToDate`). */
  upToDate: Type.Optional(Type.Boolean()),
  /** Lowest version the network still accepts (Storj `allowedVersion`). */
  minimumVersion: Type.Optional(Type.String({ maxLength: 100 })),
  /** Inbound reachability over QUIC: `OK`, `Misconfigured`, or `Disabled` (Storj before 1.50 only said on/off). */
  quic: Type.Optional(Type.String({ maxLength: 40 })),
  satellites: Type.Optional(Type.Array(SatelliteHealthSchema, { maxItems: 100 })),
  /** Mysterium quality score from its remote quality service (0-3 in the node UI). */
  quality: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  /** Mysterium: share of time online / serving sessions, 0-1 (from activity stats). */
  onlineRatio: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
  activeRatio: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
  /** Mysterium: sessions the node serves now (null when its session list could not be read). */
  activeSessions: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** Mysterium: sessions served in the last 24 h, from its remote stats service. */
  sessions24h: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  /** Grass: the lowest IP score among the account's devices (0-100). */
  ipScore: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  /** Earnings held back by the network (Storj's held amount for young nodes), in the sample's token units. */
  heldTokens: Type.Optional(Type.Number({ minimum: 0 })),
  problems: Type.Array(HealthProblemSchema, { maxItems: 50 }),
});
export type NodeHealth = Static<typeof NodeHealthSchema>;

export function emptyHealth(): NodeHealth {
  return { problems: [] };
}
