import { randomBytes } from 'node:crypto';
import { randomToken, sha256 } from './tokens.js';

/**
 * API keys look like `orcha_<8 hex chars>_<43-char secret>`. The first two parts (`orcha_ab12cd34`) are the visible
 * prefix used to find the key and to show it in lists; only the sha256 of the whole key is stored.
 */
const KEY_PATTERN = /^(orcha_[0-9a-f]{8})_([A-Za-z0-9_-]{32,128})$/;

export interface GeneratedApiKey {
  /** The whole key, shown once. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = `orcha_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of something shaped like an API key, or null (then it is not one and may be a JWT). */
export function apiKeyPrefix(candidate: string): string | null {
  const m = KEY_PATTERN.exec(candidate);
  return m ? m[1] : null;
}

export function looksLikeApiKey(candidate: string): boolean {
  return candidate.startsWith('orcha_');
}

export function hashApiKey(key: string): string {
  return sha256(key);
}
