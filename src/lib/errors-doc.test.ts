/**
 * docs/errors.md lists every error code with its HTTP status, meaning and CLI exit code. This fails when a code of
 * the catalog, or any `ORCHA_ERR_*` code the source raises, is missing there, or when a status or exit code there
 * differs from what the code does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../cli/exit-codes.js';
import { ERROR_CATALOG, type ErrorCode, OrchaError } from './errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');

/** `| \`CODE\` | status | meaning | exit |` rows of the table. */
function documentedRows(): Map<string, { status: string; meaning: string; exit: string }> {
  const rows = new Map<string, { status: string; meaning: string; exit: string }>();
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`(ORCHA_ERR_[A-Z_]+)`\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (m) rows.set(m[1] as string, { status: m[2] as string, meaning: m[3] as string, exit: m[4] as string });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('docs/errors.md', () => {
  const rows = documentedRows();

  it('documents every code of the catalog with its HTTP status, a meaning and the CLI exit code', () => {
    const missing = Object.keys(ERROR_CATALOG).filter((code) => !rows.has(code));
    expect(missing, 'codes missing from docs/errors.md').toEqual([]);
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      const row = rows.get(code);
      expect(row?.status, `${code} status`).toBe(String(entry.status));
      expect(row?.meaning.length ?? 0, `${code} meaning`).toBeGreaterThan(10);
      expect(row?.exit, `${code} CLI exit code`).toBe(String(exitCodeFor(new OrchaError(code as ErrorCode))));
    }
  });

  it('documents every ORCHA_ERR_ code the source uses, and no code that does not exist', () => {
    const used = new Set<string>();
    for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'web', 'src'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/ORCHA_ERR_[A-Z_]*[A-Z](?![A-Z_])/g)) used.add(m[0]);
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((code) => !rows.has(code)).sort(), 'codes used in src/ but missing from docs/errors.md').toEqual([]);
    expect([...rows.keys()].filter((code) => !used.has(code)).sort(), 'codes documented but used nowhere').toEqual([]);
  });
});
