import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrchaError } from '../lib/errors.js';
import { loadConfig, loadConfigText, resolveInside, resolveSecret } from './load.js';

function errorsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID')) return err.details as { path: string; message: string }[];
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('configuration', () => {
  it('fills every default for an empty file, with safe values', () => {
    const config = loadConfigText('', {});
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.reallocation.mode).toBe('advisory');
    expect(config.intervals).toMatchObject({ poll: 5, analyze: 30, decide: 60, push: 5 });
    expect(config.optimizer).toMatchObject({ minImprovementPercent: 5, minConfidence: 0.7 });
    expect(config.reallocation).toMatchObject({ maxPerHour: 4, minHoldMinutes: 60 });
    expect(config.coordinator.historySize).toBe(1000);
    expect(config.protocols).toEqual([]);
  });

  it('bounds the fleet thresholds and names the key that is out of bounds', () => {
    expect(loadConfigText('', {}).fleet).toEqual({ silentAfter: 300, checkEvery: 60, spoolAlertSnapshots: 720, spoolGrowingFor: 300, leaseTtl: 15 });
    const errors = errorsOf(() => loadConfigText('fleet: { silentAfter: 5, spoolAlertSnapshots: 0, localName: "../x" }', {}));
    expect(errors.map((e) => e.path).sort()).toEqual(['fleet.localName', 'fleet.silentAfter', 'fleet.spoolAlertSnapshots']);
    expect(loadConfigText('', { ORCHA_FLEET_SILENT_AFTER: '900' }).fleet.silentAfter).toBe(900);
  });

  it('reports three distinct mistakes at once, each with its path', () => {
    const errors = errorsOf(() =>
      loadConfigText(
        `
server:
  port: 70000
protocols:
  - name: storj
    type: storj
    endpoint: http://127.0.0.1:14002
  - name: golem
    type: golem
    endpoint: "not a url"
reallocation:
  mode: yolo
`,
        {},
      ),
    );
    expect(errors.map((e) => e.path).sort()).toEqual(['protocols[1].endpoint', 'reallocation.mode', 'server.port']);
    expect(errors.find((e) => e.path === 'reallocation.mode')?.message).toContain('advisory, auto');
  });

  it('also reports rules the schema cannot express alongside schema errors', () => {
    const errors = errorsOf(() =>
      loadConfigText(
        `
server: { port: -1 }
protocols:
  - { name: a, type: storj, endpoint: "http://127.0.0.1:1", limits: { cpu: { min: 60, max: 10 } } }
  - { name: a, type: golem, endpoint: "http://127.0.0.1:2" }
`,
        {},
      ),
    );
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['server.port', 'protocols[0].limits.cpu', 'protocols[1].name']),
    );
  });

  it('reports YAML syntax errors with a line number', () => {
    const errors = errorsOf(() => loadConfigText('server:\n  port: [1, 2\n', {}));
    expect(errors[0]?.path).toMatch(/^\(line \d+\)$/);
  });

  it('lets ORCHA_* variables override any key, by one mapping rule', () => {
    const config = loadConfigText('server:\n  port: 9000\n', {
      ORCHA_SERVER_BODY_LIMIT: '4096',
      ORCHA_REALLOCATION_MODE: 'auto',
      ORCHA_OPTIMIZER_EXPLORATION_MAX_STEP_PERCENT: '2.5',
      ORCHA_PRICES_USD_STORJ: '0.61',
      ORCHA_PORT: '9100',
      ORCHA_DATA_DIR: '/tmp/orcha-x',
    });
    expect(config.server.bodyLimit).toBe(4096);
    expect(config.server.port).toBe(9100);
    expect(config.reallocation.mode).toBe('auto');
    expect(config.optimizer.exploration.maxStepPercent).toBe(2.5);
    expect(config.prices.usd.STORJ).toBe(0.61);
    expect(config.dataDir).toBe('/tmp/orcha-x');
  });

  it('overrides array items by index and refuses unknown ORCHA_ keys', () => {
    const yaml = 'protocols:\n  - { name: s, type: storj, endpoint: "http://127.0.0.1:14002" }\n';
    const config = loadConfigText(yaml, { ORCHA_PROTOCOLS_0_ENDPOINT: 'http://127.0.0.1:15000' });
    expect(config.protocols[0]?.endpoint).toBe('http://127.0.0.1:15000');
    const errors = errorsOf(() => loadConfigText('', { ORCHA_NO_SUCH_KEY: '1' }));
    expect(errors).toEqual([{ path: 'env.ORCHA_NO_SUCH_KEY', message: 'is not a known configuration key' }]);
  });

  it('does not mistake an ORCHA_ variable used as a secret for a config key', () => {
    const yaml = 'auth:\n  jwtSecret: { env: ORCHA_JWT_SECRET }\n';
    expect(loadConfigText(yaml, { ORCHA_JWT_SECRET: 'x'.repeat(40) }).auth.jwtSecret).toEqual({ env: 'ORCHA_JWT_SECRET' });
  });

  it('takes DATABASE_URL as the PostgreSQL URL and checks it', () => {
    expect(loadConfigText('', { DATABASE_URL: 'postgres://127.0.0.1/test' }).storage.url).toBe('postgres://127.0.0.1/test');
    expect(errorsOf(() => loadConfigText('', { DATABASE_URL: 'mysql://x' }))[0]?.path).toBe('storage.url');
  });

  it('reads secrets from env and files, and never lets a path leave the config directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orcha-cfg-'));
    writeFileSync(join(dir, 'token.txt'), 's3cret\n');
    expect(resolveSecret({ file: 'token.txt' }, dir)).toBe('s3cret');
    expect(resolveSecret({ env: 'MY_TOKEN' }, dir, { MY_TOKEN: 'abc' })).toBe('abc');
    expect(() => resolveInside(dir, '../etc/passwd')).toThrow(/leaves the config directory/);
  });

  it('accepts the commented example file, including its examples once uncommented', () => {
    const example = readFileSync(new URL('../../orcha.example.yaml', import.meta.url), 'utf8');
    expect(loadConfigText(example, {}).server.port).toBe(8080);
    // Uncomment the example list items (lines starting "#  - " and their "#    " continuations).
    const uncommented = example
      .replace(/^protocols: \[\]$/m, 'protocols:')
      .replace(/^policies: \[\]$/m, 'policies:')
      .replace(/^#( {2}- | {4})/gm, '$1');
    // Its secret references must resolve: every unset variable and missing file is named ...
    const dir = mkdtempSync(join(tmpdir(), 'orcha-example-'));
    expect(errorsOf(() => loadConfigText(uncommented, {}, dir)).map((e) => e.path)).toEqual([
      'protocols[1].credentials.token.env',
      'protocols[2].credentials.password.file',
      'protocols[4].credentials.token.env',
      'protocols[5].credentials.token.env',
    ]);
    // ... and with them in place the file loads.
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets/myst-password'), 'pw\n');
    const env = { YAGNA_APPKEY: 'k', GRASS_TOKEN: 't', HONEYGAIN_TOKEN: 'h' };
    const config = loadConfigText(uncommented, env, dir);
    expect(config.protocols.map((p) => p.type)).toEqual(['storj', 'golem', 'mysterium', 'streamr', 'grass', 'http-json']);
    expect(config.policies[0]?.name).toBe('keep-storj');
  });

  it('reads a section whose children are all commented out as its defaults', () => {
    const config = loadConfigText('intervals:\n  # poll: 2\nlog:\nprotocols:\n', {});
    expect(config.intervals.poll).toBe(5);
    expect(config.log.level).toBe('info');
    expect(config.protocols).toEqual([]);
  });

  it('loads a file and says which file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orcha-cfg-'));
    const file = join(dir, 'orcha.yaml');
    writeFileSync(file, 'intervals:\n  poll: 2\n');
    expect(loadConfig(file, {}).config.intervals.poll).toBe(2);
    expect(errorsOf(() => loadConfig(join(dir, 'nope.yaml'), {}))[0]?.message).toContain('does not exist');
  });
});
