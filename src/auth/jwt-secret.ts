import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from './tokens.js';

export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The JWT signing secret: the configured one (already resolved from `auth.jwtSecret`), else the one generated at
 * first start and kept in `<dataDir>/jwt-secret` (mode 0600) so tokens survive restarts.
 */
export function loadOrCreateJwtSecret(dataDir: string, configured?: string): string {
  if (configured) return configured;
  const file = join(dataDir, JWT_SECRET_FILE);
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length > 0) return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomToken(48);
  // wx: never overwrite a file another process created meanwhile
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
  chmodSync(file, 0o600);
  return secret;
}
