/**
 * The CLI's cached login: after `--user/--password` logs in once, the token pair is kept in a file (mode 0600, in a
 * 0700 directory) per server and user, reused while the access token lives and refreshed with the refresh token
 * after, so a script calling `orcha` every few seconds logs in once instead of hitting the login rate limit.
 * Location: $ORCHA_LOGIN_CACHE (a directory; `off` disables it), else $XDG_CACHE_HOME/orcha, else ~/.cache/orcha.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CachedLogin {
  server: string;
  user: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

export interface LoginCache {
  read(server: string, user: string): CachedLogin | undefined;
  write(entry: CachedLogin): void;
  forget(server: string, user: string): void;
}

/** The cache directory the environment asks for; undefined when caching is off. */
export function loginCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const asked = env.ORCHA_LOGIN_CACHE?.trim();
  if (asked === 'off' || asked === '0' || asked === 'false') return undefined;
  if (asked) return asked;
  return join(env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'orcha');
}

function fileFor(dir: string, server: string, user: string): string {
  const id = createHash('sha256').update(`${server}\0${user}`).digest('hex').slice(0, 24);
  return join(dir, `login-${id}.json`);
}

function isEntry(value: unknown): value is CachedLogin {
  const v = value as Partial<CachedLogin> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.server === 'string' && typeof v.user === 'string' &&
    typeof v.accessToken === 'string' && typeof v.refreshToken === 'string' &&
    typeof v.expiresAt === 'number'
  );
}

export function createLoginCache(dir: string): LoginCache {
  return {
    read(server, user) {
      try {
        const entry: unknown = JSON.parse(readFileSync(fileFor(dir, server, user), 'utf8'));
        // A hash collision or a hand-edited file must not hand one user's token to another.
        return isEntry(entry) && entry.server === server && entry.user === user ? entry : undefined;
      } catch {
        return undefined;
      }
    },
    write(entry) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const file = fileFor(dir, entry.server, entry.user);
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        writeFileSync(tmp, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
        chmodSync(tmp, 0o600); // the umask cannot widen it
        renameSync(tmp, file);
      } catch {
        // A read-only home only costs a login per call; the command itself must not fail for it.
      }
    },
    forget(server, user) {
      rmSync(fileFor(dir, server, user), { force: true });
    },
  };
}
