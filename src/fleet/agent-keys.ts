import { randomBytes } from 'node:crypto';
import { randomToken, sameDigest, sha256 } from '../auth/tokens.js';

/**
 * Agent keys look like `orcha-agent_<8 hex>_<secret>`: unlike API keys (`orcha_...`) they open only the agent
 * ingest route. The prefix finds the host; only the sha256 of the whole key is stored.
 */
const KEY_PATTERN = /^(orcha-agent_[0-9a-f]{8})_([A-Za-z0-9_-]{32,128})$/;

export interface GeneratedAgentKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateAgentKey(): GeneratedAgentKey {
  const prefix = `orcha-agent_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: sha256(key) };
}

/** The prefix of something shaped like an agent key (a `Bearer ` in front is allowed), or null. */
export function agentKeyPrefix(candidate: string): string | null {
  const m = KEY_PATTERN.exec(candidate.replace(/^Bearer\s+/i, '').trim());
  return m ? m[1] : null;
}

export function agentKeyMatches(candidate: string, hash: string): boolean {
  return sameDigest(sha256(candidate.replace(/^Bearer\s+/i, '').trim()), hash);
}
