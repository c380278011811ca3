/** Reallocations, alerts, operations, users and audit on both dialects. */
import { expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import type { Operation } from '../../src/domain/operation.js';
import type { Reallocation, ReallocationStep } from '../../src/domain/reallocation.js';
import { describeEachStore, useStore } from '../helpers/stores.js';

const T0 = Date.UTC(2025, 0, 6);
const shares = (cpu: number) => ({ cpu, memory: 10, bandwidth: 20, storage: 30 });

function step(seq: number, protocol: string, overrides: Partial<ReallocationStep> = {}): ReallocationStep {
  return { seq, protocol, from: shares(10), to: shares(20), status: 'pending', error: null, appliedAt: null, ...overrides };
}

function reallocation(id: string, overrides: Partial<Reallocation> = {}): Reallocation {
  return {
    id,
    status: 'applying',
    reason: null,
    trigger: 'loop',
    dryRun: false,
    exploration: false,
    strategy: 'lp',
    before: { storj: shares(10), golem: shares(20) },
    after: { storj: shares(20), golem: shares(10) },
    projectedImprovementUsdPerHour: 0.125,
    confidence: 0.8,
    steps: [step(0, 'golem'), step(1, 'storj')],
    measuredBeforeUsdPerHour: null,
    measuredAfterUsdPerHour: null,
    createdAt: T0,
    finishedAt: null,
    ...overrides,
  };
}

function alert(id: string, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    type: 'protocol_disconnected',
    severity: 'critical',
    status: 'open',
    dedupKey: 'protocol_disconnected:storj',
    protocol: 'storj',
    message: 'storj is unreachable',
    details: { attempts: 3 },
    createdAt: T0,
    updatedAt: T0,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ...overrides,
  };
}

describeEachStore('records store', (factory) => {
  const store = useStore(factory);

  it('journals reallocation steps and finds interrupted ones', async () => {
    const r = store().reallocations;
    await r.create(reallocation('r1'));
    expect(await r.get('r1')).toEqual(reallocation('r1'));
    // Each protocol's part of the projection (a node's page shows its own) comes back as recorded.
    const split = reallocation('r-split', { projectedDeltas: { storj: 0.1, golem: 0.025 }, status: 'applied', finishedAt: T0 });
    await r.create(split);
    expect(await r.get('r-split')).toEqual(split);

    await r.updateStep('r1', step(0, 'golem', { status: 'applied', appliedAt: T0 + 1_000 }));
    const interrupted = await r.findInterrupted();
    expect(interrupted.map((x) => x.id)).toEqual(['r1']);
    expect(interrupted[0]!.steps.map((s) => s.status)).toEqual(['applied', 'pending']);
    expect(interrupted[0]!.steps[0]!.appliedAt).toBe(T0 + 1_000);

    await r.updateStep('r1', step(1, 'storj', { status: 'failed', error: 'docker: no such container' }));
    await r.update('r1', { status: 'rolled_back', reason: 'step 1 failed', finishedAt: T0 + 2_000 });
    const done = await r.get('r1');
    expect(done).toMatchObject({ status: 'rolled_back', reason: 'step 1 failed', finishedAt: T0 + 2_000 });
    expect(done!.steps[1]).toMatchObject({ status: 'failed', error: 'docker: no such container' });
    expect(await r.findInterrupted()).toEqual([]);
    expect(await r.get('missing')).toBeNull();
  });

  it('counts applied reallocations, last changes per protocol and pending measurements', async () => {
    const r = store().reallocations;
    const applied = (id: string, at: number, protocol: string) =>
      reallocation(id, { status: 'applied', createdAt: at, finishedAt: at + 10, steps: [step(0, protocol, { status: 'applied', appliedAt: at + 5 })] });
    await r.create(applied('a', T0, 'storj'));
    await r.create(applied('b', T0 + 60_000, 'golem'));
    await r.create(applied('c', T0 + 120_000, 'storj'));
    await r.create(reallocation('dry', { status: 'applied', dryRun: true, createdAt: T0 + 180_000, steps: [step(0, 'golem', { status: 'applied', appliedAt: T0 + 180_005 })] }));
    await r.create(reallocation('s', { status: 'skipped', createdAt: T0 + 200_000, steps: [] }));

    expect(await r.countAppliedSince(T0 + 60_000)).toBe(2);
    expect(await r.lastChangeByProtocol()).toEqual({ storj: T0 + 120_005, golem: T0 + 60_005 });
    await r.update('a', { measuredBeforeUsdPerHour: 1, measuredAfterUsdPerHour: 1.5 });
    expect((await r.pendingMeasurement(T0 + 100_000)).map((x) => x.id)).toEqual(['b']);
    expect((await r.list({ status: 'applied' })).map((x) => x.id)).toEqual(['dry', 'c', 'b', 'a']);
    expect((await r.list({ limit: 2, offset: 1 })).map((x) => x.id)).toEqual(['dry', 'c']);
    expect((await r.list({ since: T0 + 150_000 })).map((x) => x.id)).toEqual(['s', 'dry']);
  });

  it('finds the active alert of a condition by its dedup key until it is resolved', async () => {
    const a = store().alerts;
    await a.insert(alert('old', { status: 'resolved', resolvedAt: T0 - 1, createdAt: T0 - 10 }));
    await a.insert(alert('now'));
    await a.insert(alert('other', { dedupKey: 'earnings_drop:golem', type: 'earnings_drop', protocol: 'golem', severity: 'warning' }));
    expect((await a.findActiveByKey('protocol_disconnected:storj'))!.id).toBe('now');
    expect(await a.countActive()).toBe(2);

    await a.update('now', { status: 'acknowledged', acknowledgedAt: T0 + 1, acknowledgedBy: 'admin' });
    expect(await a.findActiveByKey('protocol_disconnected:storj')).toMatchObject({ id: 'now', status: 'acknowledged', acknowledgedBy: 'admin' });
    await a.update('now', { status: 'resolved', resolvedAt: T0 + 2 });
    expect(await a.findActiveByKey('protocol_disconnected:storj')).toBeNull();
    expect(await a.get('now')).toEqual(alert('now', { status: 'resolved', acknowledgedAt: T0 + 1, acknowledgedBy: 'admin', resolvedAt: T0 + 2 }));

    expect((await a.list({ status: ['open', 'acknowledged'] })).map((x) => x.id)).toEqual(['other']);
    expect((await a.list({ protocol: 'storj' })).map((x) => x.id)).toEqual(['now', 'old']);
    expect((await a.list({ type: 'earnings_drop' })).map((x) => x.id)).toEqual(['other']);
  });

  it('keeps operations and finds the ones a previous process left unfinished', async () => {
    const o = store().operations;
    const op = (id: string, status: Operation['status'], createdAt: number): Operation => ({
      id,
      kind: 'export',
      priority: 'normal',
      status,
      params: { from: 1, format: 'csv' },
      result: null,
      error: null,
      createdBy: 'admin',
      createdAt,
      startedAt: null,
      finishedAt: null,
    });
    await o.insert(op('p', 'pending', T0));
    await o.insert(op('r', 'processing', T0 + 1));
    await o.insert(op('d', 'completed', T0 + 2));
    expect((await o.findUnfinished()).map((x) => x.id)).toEqual(['p', 'r']);
    await o.update('r', { status: 'completed', result: { rows: 42 }, finishedAt: T0 + 5 });
    expect(await o.get('r')).toEqual({ ...op('r', 'completed', T0 + 1), result: { rows: 42 }, finishedAt: T0 + 5 });
    expect((await o.list({ status: 'completed' })).map((x) => x.id)).toEqual(['d', 'r']);
  });

  it('lets a refresh token be used exactly once, even when two requests race', async () => {
    const u = store().users;
    await u.create({ id: 'u1', username: 'alice', passwordHash: '$argon2id$x', role: 'admin', createdAt: T0, disabled: false });
    const token = (id: string) => ({ id, userId: 'u1', hash: `h-${id}`, expiresAt: T0 + 86_400_000, createdAt: T0, usedAt: null, revokedAt: null });
    await u.createRefreshToken(token('t1'));
    expect(await u.findRefreshToken('h-t1')).toEqual(token('t1'));
    expect(await u.consumeRefreshToken('t1', T0 + 1)).toBe(true);
    expect(await u.consumeRefreshToken('t1', T0 + 2)).toBe(false);
    expect((await u.findRefreshToken('h-t1'))!.usedAt).toBe(T0 + 1);

    await u.createRefreshToken(token('t2'));
    const race = await Promise.all([u.consumeRefreshToken('t2', T0 + 3), u.consumeRefreshToken('t2', T0 + 3)]);
    expect(race.filter(Boolean)).toHaveLength(1);

    await u.createRefreshToken(token('t3'));
    await u.revokeRefreshTokensOfUser('u1', T0 + 4);
    expect(await u.consumeRefreshToken('t3', T0 + 5)).toBe(false);
  });

  it('manages users and API keys', async () => {
    const u = store().users;
    await u.create({ id: 'u1', username: 'alice', passwordHash: 'h1', role: 'admin', createdAt: T0, disabled: false });
    await u.create({ id: 'u2', username: 'bob', passwordHash: 'h2', role: 'viewer', createdAt: T0 + 1, disabled: false });
    expect(await u.count()).toBe(2);
    await u.update('u2', { role: 'operator', disabled: true });
    expect(await u.findByUsername('bob')).toEqual({ id: 'u2', username: 'bob', passwordHash: 'h2', role: 'operator', createdAt: T0 + 1, disabled: true });
    expect((await u.list()).map((x) => x.username)).toEqual(['alice', 'bob']);

    const key = { id: 'k1', name: 'ci', prefix: 'orcha_ab12cd34', hash: 'kh', role: 'viewer' as const, createdBy: 'u1', createdAt: T0, lastUsedAt: null, revokedAt: null };
    await u.createApiKey(key);
    await u.touchApiKey('k1', T0 + 10);
    expect(await u.findApiKeyByPrefix('orcha_ab12cd34')).toEqual({ ...key, lastUsedAt: T0 + 10 });
    expect(await u.revokeApiKey('k1', T0 + 20)).toBe(true);
    expect(await u.revokeApiKey('k1', T0 + 30)).toBe(false);
    expect((await u.listApiKeys())[0]!.revokedAt).toBe(T0 + 20);

    await u.delete('u2');
    expect(await u.findById('u2')).toBeNull();
    expect(await u.count()).toBe(1);
  });

  it('appends audit entries and lists them newest first with filters', async () => {
    const a = store().audit;
    const entry = (time: number, action: string, actor: string | null) => ({
      time,
      actor,
      role: actor ? 'admin' : null,
      action,
      target: 'storj',
      sourceIp: '127.0.0.1',
      result: 'success' as const,
      requestId: `req-${time}`,
      details: { dryRun: false },
    });
    await a.insert(entry(T0, 'login', 'alice'));
    await a.insert(entry(T0 + 1, 'reallocate', 'alice'));
    await a.insert(entry(T0 + 2, 'login', null));
    const all = await a.list();
    expect(all.map((e) => e.time)).toEqual([T0 + 2, T0 + 1, T0]);
    expect(all[2]).toEqual({ id: expect.any(Number), ...entry(T0, 'login', 'alice') });
    expect((await a.list({ action: 'login' })).map((e) => e.time)).toEqual([T0 + 2, T0]);
    expect((await a.list({ actor: 'alice', from: T0 + 1 })).map((e) => e.action)).toEqual(['reallocate']);
    expect((await a.list({ limit: 1, offset: 1 })).map((e) => e.time)).toEqual([T0 + 1]);
  });
});
