import { isOrchaError } from '../lib/errors.js';

/** Exit codes scripts can rely on. One place for the whole CLI. */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** Bad usage or invalid configuration/input. */
  usage: 2,
  unreachable: 3,
  auth: 4,
} as const;

export function exitCodeFor(err: unknown): number {
  if (isOrchaError(err)) {
    switch (err.code) {
      case 'ORCHA_ERR_CONFIG_INVALID':
      case 'ORCHA_ERR_VALIDATION':
        return EXIT.usage;
      case 'ORCHA_ERR_UNAUTHORIZED':
      case 'ORCHA_ERR_FORBIDDEN':
        return EXIT.auth;
      case 'ORCHA_ERR_DEPENDENCY_DOWN':
        return EXIT.unreachable;
      default:
        return EXIT.failure;
    }
  }
  return EXIT.failure;
}
