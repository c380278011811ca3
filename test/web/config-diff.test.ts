/** What the settings page says an edit changes before it is saved (web/src/views/settings/config-diff.ts). */
import { describe, expect, it } from 'vitest';
import { configDiff } from '../../web/src/views/settings/config-diff.js';

describe('configDiff', () => {
  const base = {
    intervals: { poll: 5, push: 1 },
    protocols: [
      { name: 'storj', type: 'storj', timeout: 3 },
      { name: 'golem', type: 'golem', timeout: 3 },
      { name: 'grass', type: 'grass', timeout: 3 },
    ],
    tags: ['a', 'b'],
  };

  it('says nothing changes for an equal document', () => {
    expect(configDiff(base, structuredClone(base))).toEqual([]);
  });

  it('names a changed value by its path, with before and after', () => {
    const next = structuredClone(base);
    next.intervals.poll = 7;
    expect(configDiff(base, next)).toEqual([{ path: 'intervals.poll', kind: 'changed', before: 5, after: 7 }]);
  });

  it('reads removing the middle protocol as one removal, items known by name', () => {
    const next = structuredClone(base);
    next.protocols.splice(1, 1);
    expect(configDiff(base, next)).toEqual([{ path: 'protocols[golem]', kind: 'removed', before: base.protocols[1] }]);
  });

  it('reports added keys, added named items and changes inside one item', () => {
    const next = structuredClone(base) as typeof base & { log?: { level: string } };
    next.log = { level: 'debug' };
    next.protocols[0]!.timeout = 10;
    next.protocols.push({ name: 'storj-2', type: 'storj', timeout: 3 });
    expect(configDiff(base, next)).toEqual([
      { path: 'protocols[storj].timeout', kind: 'changed', before: 3, after: 10 },
      { path: 'protocols[storj-2]', kind: 'added', after: { name: 'storj-2', type: 'storj', timeout: 3 } },
      { path: 'log', kind: 'added', after: { level: 'debug' } },
    ]);
  });

  it('compares unnamed lists by position', () => {
    const next = { ...structuredClone(base), tags: ['a', 'c', 'd'] };
    expect(configDiff(base, next)).toEqual([
      { path: 'tags[1]', kind: 'changed', before: 'b', after: 'c' },
      { path: 'tags[2]', kind: 'added', after: 'd' },
    ]);
  });
});
