import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Plan } from '../domain/plan.js';
import type { Reallocation } from '../domain/reallocation.js';
import { emptyPlan } from '../engine/reallocation/engine-helpers.js';
import type { OptimizerInput } from '../engine/optimizer/types.js';
import { VirtualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createAgentPlans } from './agent-plans.js';
import { EFFECT_MARKS_KEPT, openSpool } from './spool.js';

const shares = (cpu: number) => ({ cpu, memory: cpu, bandwidth: cpu, storage: cpu });
const input = { time: 1000, current: { storj: shares(20) } } as unknown as OptimizerInput;
const plan = (target: number): Plan => ({ ...emptyPlan({ storj: shares(10) }, 0), strategy: 'lp', target: { storj: shares(target) }, improvementUsdPerHour: 1 });

it("offers each control-plane plan to the engine once, ignores a stale replica's plan, and reports outcomes once reachable", async () => {
  let answer: unknown = { plan: null };
  let up = true;
  const outcomes: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      if (!up) {
        res.writeHead(503).end('{}');
        return;
      }
      if (req.url === '/api/v1/agent/outcomes') outcomes.push(...(JSON.parse(text) as { outcomes: unknown[] }).outcomes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/api/v1/agent/plan' ? answer : { recorded: 1 }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'orcha-plans-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    const { port } = server.address() as { port: number };
    const clock = new VirtualClock(0);
    const plans = createAgentPlans({ server: `http://127.0.0.1:${port}`, key: 'k', spool, clock, log: silentLogger(), maxAgeMs: 60_000 });
    const planning = { protocols: [], reserve: shares(5), policies: [] };

    // No plan: the engine holds (target = what is in force).
    expect(await plans.exchange(planning)).toBe(true);
    expect((await plans.strategy.plan(input)).target).toEqual({ storj: shares(20) });

    // A plan arrives: offered once, named after its id, moving from what is in force here.
    answer = { plan: { id: 'p1', fence: 2, createdAt: 0, plan: plan(30) } };
    await plans.exchange(planning);
    const offered = await plans.strategy.plan(input);
    expect(offered).toMatchObject({ strategy: 'control-plane:p1', current: { storj: shares(20) }, target: { storj: shares(30) } });
    // Read again (the analyze loop) it is still there; once a decision on it is journaled, the engine holds.
    expect((await plans.strategy.plan(input)).strategy).toBe('control-plane:p1');
    const r = { id: 'r1', strategy: 'control-plane:p1', status: 'applied', reason: null, createdAt: 5, finishedAt: 9 } as unknown as Reallocation;
    plans.onReallocation({ ...r, status: 'applying' });
    expect((await plans.strategy.plan(input)).target).toEqual({ storj: shares(20) });

    // A plan under a lower fence (a replica that lost the lease) is ignored.
    answer = { plan: { id: 'p0', fence: 1, createdAt: 0, plan: plan(50) } };
    await plans.exchange(planning);
    expect((await plans.strategy.plan(input)).target).toEqual({ storj: shares(20) });

    // A plan fetched too long ago is not applied.
    answer = { plan: { id: 'p2', fence: 2, createdAt: 0, plan: plan(40) } };
    await plans.exchange(planning);
    await clock.advance(61_000);
    expect((await plans.strategy.plan(input)).target).toEqual({ storj: shares(20) });

    // The engine finished p1 while the control plane is away: the outcome waits in the spool, then goes once.
    up = false;
    plans.onReallocation(r);
    plans.onReallocation({ ...r, id: 'r-local', strategy: 'lp' });
    expect(await plans.deliverOutcomes()).toBe(0);
    expect(spool.outcomes(10)).toHaveLength(1);
    up = true;
    expect(await plans.deliverOutcomes()).toBe(1);
    expect(outcomes).toEqual([{ planId: 'p1', status: 'applied', reason: null, reallocationId: 'r1', at: 9 }]);
    expect(spool.outcomes(10)).toEqual([]);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it("stops sending this host's optimizer settings to a control plane older than the agent, which refuses them", async () => {
  const bodies: { planning: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { planning: Record<string, unknown> };
      bodies.push(body);
      // What an older control plane answers: its planning schema is closed.
      const refused = 'optimizer' in body.planning;
      res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refused ? { error: { code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'body.planning.optimizer', message: 'is not a known field' }] } } : { plan: null }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'orcha-plans-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    const { port } = server.address() as { port: number };
    const plans = createAgentPlans({ server: `http://127.0.0.1:${port}`, key: 'k', spool, clock: new VirtualClock(0), log: silentLogger() });
    const planning = { protocols: [], reserve: shares(5), policies: [], optimizer: { strategy: 'greedy' } } as unknown as Parameters<typeof plans.exchange>[0];
    expect(await plans.exchange(planning)).toBe(true);
    expect(await plans.exchange(planning)).toBe(true);
    expect(bodies.map((b) => 'optimizer' in b.planning)).toEqual([true, false, false]);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('reports the measured effect of an applied plan once the engine measured it, and without it to a control plane that refuses it', async () => {
  const bodies: { outcomes: Record<string, unknown>[] }[] = [];
  let old = false;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { outcomes: Record<string, unknown>[] };
      bodies.push(body);
      // What an older control plane answers: its outcome schema is closed.
      const refused = old && body.outcomes.some((o) => 'measuredAfterUsdPerHour' in o);
      res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refused ? { error: { code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'body.outcomes.0.measuredBeforeUsdPerHour', message: 'is not a known field' }] } } : { recorded: body.outcomes.length }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'orcha-plans-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    const { port } = server.address() as { port: number };
    const plans = createAgentPlans({ server: `http://127.0.0.1:${port}`, key: 'k', spool, clock: new VirtualClock(0), log: silentLogger() });
    const r = {
      id: 'r1',
      strategy: 'control-plane:p1',
      status: 'applied',
      reason: null,
      createdAt: 5,
      finishedAt: 9,
      measuredBeforeUsdPerHour: null,
      measuredAfterUsdPerHour: null,
    } as unknown as Reallocation;
    plans.onReallocation(r);
    // Not measured yet: the outcome goes alone.
    plans.queueEffects([r]);
    expect(await plans.deliverOutcomes()).toBe(1);
    expect(bodies[0]!.outcomes).toEqual([{ planId: 'p1', status: 'applied', reason: null, reallocationId: 'r1', at: 9 }]);

    // Measured: the outcome goes again with its effect, once; a local plan's effect never goes.
    const measured = { ...r, measuredBeforeUsdPerHour: 1, measuredAfterUsdPerHour: 1.25 };
    plans.queueEffects([measured, { ...measured, id: 'r-local', strategy: 'lp' }]);
    plans.queueEffects([measured]);
    expect(await plans.deliverOutcomes()).toBe(1);
    expect(bodies[1]!.outcomes).toEqual([{ planId: 'p1', status: 'applied', reason: null, reallocationId: 'r1', at: 9, measuredBeforeUsdPerHour: 1, measuredAfterUsdPerHour: 1.25 }]);
    plans.queueEffects([measured]);
    expect(await plans.deliverOutcomes()).toBe(0);
    expect(bodies).toHaveLength(2);

    // An older control plane refuses the fields: the outcome is sent again without them, and later ones never carry them.
    old = true;
    const p2 = { ...measured, id: 'r2', strategy: 'control-plane:p2' };
    plans.queueEffects([p2]);
    expect(await plans.deliverOutcomes()).toBe(1);
    expect(bodies.slice(2).map((b) => 'measuredAfterUsdPerHour' in b.outcomes[0]!)).toEqual([true, false]);
    expect(spool.outcomes(10)).toEqual([]);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it("keeps the spool's measured-effect marks bounded: the newest are kept, the oldest forgotten", () => {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-plans-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    const total = EFFECT_MARKS_KEPT + 50;
    for (let i = 0; i < total; i++) spool.markEffectQueued(`plan-${i}`);
    expect(spool.effectQueued(`plan-${total - 1}`)).toBe(true);
    expect(spool.effectQueued(`plan-${total - EFFECT_MARKS_KEPT}`)).toBe(true);
    expect(spool.effectQueued(`plan-${total - EFFECT_MARKS_KEPT - 1}`)).toBe(false);
    expect(spool.effectQueued('plan-0')).toBe(false);
    // Marking one again keeps it and forgets nothing newer.
    spool.markEffectQueued(`plan-${total - 1}`);
    expect(spool.effectQueued(`plan-${total - EFFECT_MARKS_KEPT}`)).toBe(true);
  } finally {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
