import type { Snapshot } from '../../domain/sample.js';
import type { Condition } from './alert-rules.js';

/**
 * Alert conditions from what each node says about its own health (samples' `health`, issue 14): every problem the
 * adapter found (a disqualified or suspended Storj satellite, an outdated version, QUIC misconfigured, a Golem payment
 * driver short of gas...), and Storj satellite scores sinking towards the satellites' own limits.
 */

/** Storj disqualifies under an audit score of 0.96 and suspends under 0.6 suspension or online score: warn well before. */
export const SCORE_WARN = { auditScore: 0.98, suspensionScore: 0.9, onlineScore: 0.9 } as const;

export function nodeHealthConditions(snapshot: Snapshot): Condition[] {
  const out: Condition[] = [];
  for (const sample of snapshot.protocols) {
    const health = sample.health;
    if (!health) continue;
    for (const p of health.problems) {
      if (p.severity === 'info') continue;
      out.push({
        key: `node_health:${sample.protocol}:${p.code}:${p.message.slice(0, 80)}`,
        type: 'node_health',
        severity: p.severity,
        protocol: sample.protocol,
        message: `${sample.protocol}: ${p.message}`,
        details: { code: p.code },
        firing: true,
      });
    }
    for (const s of health.satellites ?? []) {
      for (const [score, limit] of Object.entries(SCORE_WARN) as [keyof typeof SCORE_WARN, number][]) {
        const value = s[score];
        if (value === null || value >= limit) continue;
        out.push({
          key: `node_health:${sample.protocol}:${score}:${s.id}`,
          type: 'node_health',
          severity: 'warning',
          protocol: sample.protocol,
          message: `${sample.protocol}: ${s.url ?? s.id} ${score} ${value.toFixed(3)} is under ${limit}`,
          details: { satellite: s.id, score, value, threshold: limit },
          firing: true,
        });
      }
    }
  }
  return out;
}
