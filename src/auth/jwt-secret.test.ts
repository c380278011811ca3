import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JWT_SECRET_FILE, loadOrCreateJwtSecret } from './jwt-secret.js';

describe('loadOrCreateJwtSecret', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'orcha-jwt-'));
    dirs.push(d);
    return join(d, 'data');
  };

  it('generates a secret once, readable only by the owner, and keeps it across restarts', () => {
    const dataDir = tempDir();
    const first = loadOrCreateJwtSecret(dataDir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dataDir, JWT_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateJwtSecret(dataDir)).toBe(first);
  });

  it('prefers the configured secret and writes no file then', () => {
    const dataDir = tempDir();
    expect(loadOrCreateJwtSecret(dataDir, 'configured-secret-configured-secret!')).toBe('configured-secret-configured-secret!');
    expect(() => statSync(join(dataDir, JWT_SECRET_FILE))).toThrow();
  });
});
