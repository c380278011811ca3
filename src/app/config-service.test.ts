import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../lib/logger.js';
import { type ConfigChange, type ConfigInvalid, type ConfigService, createConfigService } from './config-service.js';
import { createPoliciesService } from './policies.js';

const BASE = `intervals:
  poll: 5
auth:
  jwtSecret: super-secret-value-123
protocols:
  - name: storj1
    type: storj
    endpoint: http://127.0.0.1:14002
    credentials:
      token: node-token-abc
storage:
  url: postgres://orcha:pgpass@127.0.0.1:5432/test
`;

let dir: string;
let service: ConfigService | undefined;

function setup(text = BASE) {
  dir = mkdtempSync(join(tmpdir(), 'orcha-config-'));
  const file = join(dir, 'orcha.yaml');
  writeFileSync(file, text);
  const loaded = loadConfig(file, {});
  const invalid: ConfigInvalid[] = [];
  service = createConfigService({
    initial: loaded.config,
    path: file,
    log: silentLogger(),
    env: {},
    debounceMs: 30,
  });
  service.on('invalid', (i) => invalid.push(i));
  return { file, invalid, service };
}

function next<T>(svc: ConfigService, event: 'change' | 'invalid'): Promise<T> {
  return new Promise((resolve) => {
    const off = svc.on(event as 'change', (arg) => {
      off();
      resolve(arg as T);
    });
  });
}

afterEach(() => {
  service?.close();
  service = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('config service', () => {
  it('redacts secrets in get() and keeps them in current()', () => {
    const { service } = setup();
    const shown = JSON.stringify(service.get());
    for (const secret of ['super-secret-value-123', 'node-token-abc', 'pgpass']) expect(shown).not.toContain(secret);
    expect(service.get().auth.jwtSecret).toBe('[redacted]');
    expect(service.current().auth.jwtSecret).toBe('super-secret-value-123');
  });

  it('applies a valid file edit without restart and announces it', async () => {
    const { file, service } = setup();
    service.watch();
    const changed = next<ConfigChange>(service, 'change');
    writeFileSync(file, BASE.replace('poll: 5', 'poll: 2'));
    const change = await changed;
    expect(change.source).toBe('file');
    expect(change.changedKeys).toContain('intervals');
    expect(service.current().intervals.poll).toBe(2);
  });

  it('survives an editor that replaces the file by rename', async () => {
    const { file, service } = setup();
    service.watch();
    const changed = next<ConfigChange>(service, 'change');
    const tmp = join(dir, 'orcha.yaml.swp');
    writeFileSync(tmp, BASE.replace('poll: 5', 'poll: 7'));
    renameSync(tmp, file);
    await changed;
    expect(service.current().intervals.poll).toBe(7);
  });

  it('an empty file (a write in progress) is not applied as "no protocols"; the finished write is', async () => {
    const { file, service } = setup();
    service.watch();
    const changes: ConfigChange[] = [];
    service.on('change', (c) => changes.push(c));
    const protocolsBefore = service.current().protocols.length;
    expect(protocolsBefore).toBeGreaterThan(0);
    writeFileSync(file, '');
    await new Promise((r) => setTimeout(r, 300)); // past the 30 ms debounce
    expect(changes).toEqual([]);
    expect(service.current().protocols).toHaveLength(protocolsBefore);
    const changed = next<ConfigChange>(service, 'change');
    writeFileSync(file, BASE.replace('poll: 5', 'poll: 3'));
    await changed;
    expect(service.current().intervals.poll).toBe(3);
    expect(service.current().protocols).toHaveLength(protocolsBefore);
  });

  it('keeps the running config on a broken edit, reports the field errors in one invalid event', async () => {
    const { file, invalid, service } = setup();
    service.watch();
    const rejected = next<ConfigInvalid>(service, 'invalid');
    writeFileSync(file, BASE.replace('poll: 5', 'poll: -1'));
    const event = await rejected;
    expect(event.errors.map((e) => e.path)).toContain('intervals.poll');
    expect(invalid).toHaveLength(1);
    expect(service.current().intervals.poll).toBe(5);
  });

  it('put() validates, writes the file atomically and restores redacted secrets', async () => {
    const { file, service } = setup();
    const edited = { ...service.get(), intervals: { ...service.get().intervals, poll: 9 } };
    await service.put(edited);
    expect(service.current().intervals.poll).toBe(9);
    expect(service.current().auth.jwtSecret).toBe('super-secret-value-123');
    expect(service.current().protocols[0].credentials?.token).toBe('node-token-abc');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('super-secret-value-123');
    expect(text).not.toContain('[redacted]');
    await expect(service.put({ intervals: { poll: 'often' } })).rejects.toMatchObject({
      code: 'ORCHA_ERR_CONFIG_INVALID',
      details: [{ path: 'intervals.poll' }],
    });
    expect(service.current().intervals.poll).toBe(9);
  });

  it('validate() and reload() share the same rules', async () => {
    const { file, service } = setup();
    expect(service.validate({ intervals: { poll: 0 } })).toMatchObject({ valid: false, errors: [{ path: 'intervals.poll' }] });
    expect(service.validate({})).toEqual({ valid: true, errors: [] });
    writeFileSync(file, BASE.replace('poll: 5', 'poll: 3'));
    const change = await service.reload();
    expect(change.config.intervals.poll).toBe(3);
    writeFileSync(file, 'intervals: [oops');
    await expect(service.reload()).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFIG_INVALID' });
    expect(service.current().intervals.poll).toBe(3);
  });
});

describe('config service: a rejected change writes nothing and applies nothing', () => {
  const withTokenRef = (ref: string) => BASE.replace('token: node-token-abc', `token: ${ref}`);

  it('put() with a secret reference that does not resolve: 400 naming the field, file and running config untouched', async () => {
    const { file, invalid, service } = setup();
    const before = readFileSync(file, 'utf8');
    const raw = service.raw() as { protocols: { credentials: Record<string, unknown> }[] };
    raw.protocols[0].credentials.token = { env: 'ORCHA_TEST_UNSET_TOKEN' };
    await expect(service.put(raw)).rejects.toMatchObject({
      code: 'ORCHA_ERR_CONFIG_INVALID',
      details: [{ path: 'protocols[0].credentials.token.env', message: 'environment variable ORCHA_TEST_UNSET_TOKEN is not set' }],
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(service.current().protocols[0].credentials?.token).toBe('node-token-abc');
    expect(invalid.map((i) => [i.source, i.errors[0]?.path])).toEqual([['api', 'protocols[0].credentials.token.env']]);
    const missingFile = { ...raw, protocols: [{ ...raw.protocols[0], credentials: { token: { file: 'no-such-token' } } }] };
    await expect(service.put(missingFile)).rejects.toMatchObject({ details: [{ path: 'protocols[0].credentials.token.file' }] });
    const escaping = { ...raw, protocols: [{ ...raw.protocols[0], credentials: { token: { file: '../../etc/passwd' } } }] };
    await expect(service.put(escaping)).rejects.toMatchObject({
      details: [{ path: 'protocols[0].credentials.token.file', message: 'must stay inside the config directory' }],
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a file edit whose secret file is missing is rejected with the field named; the running config stays', async () => {
    const { file, invalid, service } = setup();
    service.watch();
    const rejected = next<ConfigInvalid>(service, 'invalid');
    writeFileSync(file, withTokenRef('{ file: token.txt }').replace('poll: 5', 'poll: 2'));
    const event = await rejected;
    expect(event.source).toBe('file');
    expect(event.errors).toEqual([{ path: 'protocols[0].credentials.token.file', message: 'token.txt cannot be read (no such file)' }]);
    expect(invalid).toHaveLength(1);
    expect(service.current().intervals.poll).toBe(5);
    // once the file exists, the same edit applies, reading the secret relative to the config's directory
    writeFileSync(join(dir, 'token.txt'), 'from-a-file\n');
    const change = await service.reload();
    expect(change.config.intervals.poll).toBe(2);
  });

  it('bounds intervals and sizes, and knows the log levels', () => {
    const { service } = setup();
    const paths = (raw: unknown) => (service.validate(raw) as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths({ intervals: { poll: 1e10 } })).toEqual(['intervals.poll']);
    expect(paths({ intervals: { poll: 0.5, analyze: 0.1, decide: 0, push: 0.2 } }).sort()).toEqual([
      'intervals.analyze',
      'intervals.decide',
      'intervals.poll',
      'intervals.push',
    ]);
    expect(paths({ log: { level: 'nonsense' } })).toEqual(['log.level']);
    expect(paths({ server: { bodyLimit: 1e12 } })).toEqual(['server.bodyLimit']);
    expect(paths({ cache: { maxEntries: 1e9 } })).toEqual(['cache.maxEntries']);
    expect(service.validate({ intervals: { poll: 1, analyze: 1, decide: 1, push: 1 }, log: { level: 'debug' } })).toEqual({ valid: true, errors: [] });
  });

  it('writes through a temporary file and a rename, leaving no temporary file behind', async () => {
    const { file, service } = setup();
    await service.put({ ...service.raw(), intervals: { poll: 6 } });
    expect(readFileSync(file, 'utf8')).toContain('poll: 6');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('policies service', () => {
  it('creates, replaces, removes and tests policies through the config file', async () => {
    const { file, service } = setup();
    const seen: unknown[] = [];
    const policies = createPoliciesService({
      config: service,
      planWith: async (p) => {
        seen.push(p);
        return { strategy: 'test' } as never;
      },
    });
    await policies.create({ name: 'night', enabled: true, rules: [{ protocol: 'storj1', resource: 'cpu', max: 30 }], pinned: [], excludedHours: [1, 2] });
    expect(policies.get('night').excludedHours).toEqual([1, 2]);
    expect(readFileSync(file, 'utf8')).toContain('night');
    await expect(policies.create({ name: 'night', enabled: true, rules: [], pinned: [], excludedHours: [] })).rejects.toMatchObject({
      code: 'ORCHA_ERR_CONFLICT',
    });
    await policies.replace('night', { name: 'night', enabled: false, rules: [], pinned: ['storj1'], excludedHours: [] });
    expect(policies.get('night').pinned).toEqual(['storj1']);
    await policies.test('night');
    expect(seen[0]).toEqual([{ name: 'night', enabled: true, rules: [], pinned: ['storj1'], excludedHours: [] }]);
    await policies.remove('night');
    expect(policies.list()).toEqual([]);
    expect(() => policies.get('night')).toThrow(expect.objectContaining({ code: 'ORCHA_ERR_NOT_FOUND' }));
  });
});
