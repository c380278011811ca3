/** `orcha config validate` as a user runs it: the built binary, every mistake at once, exit code 2. */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/src/cli/index.js');

async function orcha(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('orcha config validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-cli-config-'));

  it('reports three distinct mistakes with their paths and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'server:',
        '  port: 70000',
        'protocols:',
        '  - { name: storj, type: storj, endpoint: "http://127.0.0.1:14002" }',
        '  - { name: golem, type: golem, endpoint: "not a url" }',
        'reallocation:',
        '  mode: yolo',
        '',
      ].join('\n'),
    );
    const result = await orcha(['config', 'validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('3 error(s)');
    for (const path of ['server.port', 'protocols[1].endpoint', 'reallocation.mode']) expect(result.stderr).toContain(path);

    const json = await orcha(['config', 'validate', file, '--json']);
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout) as { valid: boolean; errors: { path: string }[] };
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.path).sort()).toEqual(['protocols[1].endpoint', 'reallocation.mode', 'server.port']);
  });

  it('accepts a valid file and exits 0', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, 'intervals:\n  poll: 10\n');
    const result = await orcha(['config', 'validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid');
  });

  it('refuses to start the server on an invalid config, with exit code 2', async () => {
    const file = join(dir, 'bad-serve.yaml');
    writeFileSync(file, 'server:\n  port: -5\n');
    const result = await orcha(['serve', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('server.port');
  });

  it('treats an unknown ORCHA_ variable as a mistake', async () => {
    const result = await orcha(['config', 'validate'], { ORCHA_SERVR_PORT: '1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('env.ORCHA_SERVR_PORT');
  });
});

/** `orcha serve` until it listens (then stopped) or exits: what a user sees when starting on this file. */
function serve(file: string, env: NodeJS.ProcessEnv): Promise<{ started: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--port', '0'], { env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    let started = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!started && stdout.includes('orcha listening on')) {
        started = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ started, code, stderr }));
  });
}

describe('orcha config validate and orcha serve agree on every file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-cli-agree-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'token'), 'a-node-token\n');
  const node = (credentials: string) =>
    `protocols:\n  - { name: g, type: golem, endpoint: "http://127.0.0.1:9", credentials: ${credentials} }\n`;
  const files: [name: string, text: string, invalidPath: string | null][] = [
    ['valid', `dataDir: ${join(dir, 'data')}\n${node('{ token: { file: secrets/token } }')}log:\n  level: warn\n`, null],
    ['log-level', 'log:\n  level: nonsense\n', 'log.level'],
    ['poll-too-often', 'intervals:\n  poll: 0.01\n', 'intervals.poll'],
    ['poll-absurd', 'intervals:\n  poll: 1e10\n', 'intervals.poll'],
    ['secret-env-unset', node('{ token: { env: ORCHA_TEST_UNSET_TOKEN } }'), 'protocols[0].credentials.token.env'],
    ['secret-file-missing', node('{ token: { file: secrets/nope } }'), 'protocols[0].credentials.token.file'],
    ['secret-file-escapes', node('{ token: { file: ../../../etc/hostname } }'), 'protocols[0].credentials.token.file'],
  ];
  const env = { ORCHA_ADMIN_PASSWORD: 'agree-test-password' };

  for (const [name, text, invalidPath] of files) {
    it(`${name}: ${invalidPath ? `both refuse it with exit 2, naming ${invalidPath}` : 'both accept it'}`, async () => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, text);
      const [validate, served] = await Promise.all([orcha(['config', 'validate', file, '--json'], env), serve(file, env)]);
      if (invalidPath === null) {
        expect(validate.code).toBe(0);
        expect(served.started).toBe(true);
        return;
      }
      expect(validate.code).toBe(2);
      expect((JSON.parse(validate.stdout) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([invalidPath]);
      expect(served.started).toBe(false);
      expect(served.code).toBe(2);
      expect(served.stderr).toContain(invalidPath);
      // Spawning the daemon twice per file is slow on a loaded CI machine.
    }, 90_000);
  }
});
