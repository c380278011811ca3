/** Hardening of the configuration (SPEC §7): paths cannot leave the config directory, adapter URLs are validated. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig, resolveSecret } from '../../src/config/load.js';
import type { FieldError } from '../../src/lib/errors.js';

function fieldErrors(raw: unknown): FieldError[] {
  try {
    buildConfig(raw, {});
  } catch (err) {
    return (err as { details: FieldError[] }).details;
  }
  return [];
}

const protocol = (extra: Record<string, unknown>) => ({ protocols: [{ name: 'n', type: 'storj', endpoint: 'http://127.0.0.1:14002', ...extra }] });

describe('config hardening', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-cfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'ftp://node.local/', 'not a url', 'http://'])('refuses the adapter URL %s', (endpoint) => {
    expect(fieldErrors(protocol({ endpoint }))).toContainEqual({ path: 'protocols[0].endpoint', message: expect.any(String) });
  });

  it('accepts http and https node URLs', () => {
    expect(fieldErrors(protocol({ endpoint: 'https://node.example:8443/api' }))).toEqual([]);
  });

  it.each(['../../etc/storj/config.yaml', '/etc/storj/config.yaml'])('refuses an executor path leaving the config directory: %s', (configPath) => {
    const errors = fieldErrors(protocol({ executor: { type: 'storj-config', configPath } }));
    expect(errors).toContainEqual({ path: 'protocols[0].executor.configPath', message: 'must stay inside the config directory' });
  });

  it('reads secret files only inside the config directory', () => {
    writeFileSync(join(dir, 'token'), 'inside\n');
    expect(resolveSecret({ file: 'token' }, dir, {})).toBe('inside');
    expect(() => resolveSecret({ file: '../../../etc/hostname' }, dir, {})).toThrow(/leaves the config directory/);
    expect(() => resolveSecret({ file: '/etc/hostname' }, dir, {})).toThrow(/leaves the config directory/);
  });
});
