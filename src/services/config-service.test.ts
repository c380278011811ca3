import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    onInvalid: (i) => invalid.push(i),
  });
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

  it('keeps the running config on a broken edit, reports the field errors and calls onInvalid', async () => {
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
