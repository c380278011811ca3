/**
 * The OpenAPI document that `/docs/json` serves passes a real OpenAPI linter (Redocly CLI, its recommended rules)
 * with no error and no warning: client generators and API gateways read it, and a broken one breaks them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestOrcha, startTestOrcha } from '../helpers/orcha.js';

const REDOCLY = join(process.cwd(), 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
}

describe('the OpenAPI document', () => {
  let orcha: TestOrcha;
  let doc: { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>> };
  let dir: string;
  beforeAll(async () => {
    orcha = await startTestOrcha({ security: true, warmPolls: 1 });
    doc = await (await fetch(`${orcha.url}/docs/json`)).json();
    dir = await mkdtemp(join(tmpdir(), 'orcha-openapi-'));
  }, 60_000);
  afterAll(async () => {
    await orcha?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes Redocly lint with 0 errors and 0 warnings', async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const run = spawnSync(process.execPath, [REDOCLY, 'lint', file, '--format=json', '--max-problems=1000'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 120_000,
    });
    const start = run.stdout.indexOf('{');
    expect(start, run.stderr).toBeGreaterThanOrEqual(0);
    const report = JSON.parse(run.stdout.slice(start)) as { problems: Problem[] };
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(run.status).toBe(0);
  }, 130_000);

  it('names every operation once and marks the public ones public', () => {
    const ids = new Map<string, string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
        expect(ids.get(op.operationId!), `${op.operationId} used twice`).toBeUndefined();
        ids.set(op.operationId!, `${method} ${path}`);
      }
    }
    expect(ids.size).toBeGreaterThan(40);
    for (const [method, path] of [
      ['get', '/api/v1/health'],
      ['post', '/api/v1/auth/login'],
      ['get', '/metrics'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([]);
    }
    // A route that needs a token inherits the document-wide bearer requirement.
    expect(doc.paths['/api/v1/metrics']?.get?.security).toBeUndefined();
  });
});
