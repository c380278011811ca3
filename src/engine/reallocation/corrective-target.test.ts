import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../domain/profile.js';
import type { Allocation } from '../../domain/resources.js';
import { correctiveTarget } from './engine-helpers.js';

const profiles = new Map([
  ['storj', resolveProfile('storj', undefined, null)],
  ['golem', resolveProfile('golem', undefined, null)],
]);
// Since the stable allocation the storage rule grew storj's disk to 90 % (its data fills 60 %), taking golem's 30 %.
const stable: Allocation = { storj: { cpu: 20, memory: 20, bandwidth: 30, storage: 60 }, golem: { cpu: 40, memory: 40, bandwidth: 10, storage: 30 } };
const current: Allocation = { storj: { cpu: 10, memory: 10, bandwidth: 40, storage: 90 }, golem: { cpu: 60, memory: 60, bandwidth: 1, storage: 0 } };

describe('what a rollback or a guard trip applies', () => {
  it('a guard trip puts back the shares the model moved and leaves the disk as the storage rule left it', () => {
    const target = correctiveTarget(current, stable, profiles, true);
    expect(target.storj).toEqual({ ...stable.storj, storage: 90 });
    expect(target.golem).toEqual({ ...stable.golem, storage: 0 });
  });

  it('a rollback never cuts a storage node below the storage it holds, and restores everything else', () => {
    const target = correctiveTarget(current, { storj: stable.storj }, profiles, false);
    expect(target.storj).toEqual({ ...stable.storj, storage: 90 });
    expect(target.golem).toEqual(current.golem);
    // A node allowed to lose data, or one whose data is not lost when cut, gets its old storage back.
    const deletable = new Map([['storj', resolveProfile('storj', { allowDataDeletion: true }, null)]]);
    expect(correctiveTarget(current, { storj: stable.storj }, deletable, false).storj.storage).toBe(60);
  });
});
