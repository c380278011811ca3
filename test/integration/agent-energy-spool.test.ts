/**
 * An agent's energy points go through its spool with its snapshots, under the same batch ids, to the real fleet
 * service on a real store (behind a minimal stand-in of the ingest route that can be down or lose its answer): while
 * the control plane is down nothing leaves the spool; a batch stored whose answer was lost is sent again under its id
 * and counted once; a batch of energy points alone is delivered too. A control plane older than the agent, which
 * refuses the field, gets the snapshots without the points.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createAgentSender } from '../../src/fleet/agent-sender.js';
import { createFleetService, type IngestBatch } from '../../src/fleet/fleet.service.js';
import { openSpool } from '../../src/fleet/spool.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { energyPoint as point } from '../helpers/energy-points.js';
import { describeEachStore, protocolSample, snapshot, useStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;

/** A stand-in of the ingest route: `answer` decides per request (after reading the body) what happens. */
async function standIn(answer: (body: IngestBatch) => Promise<{ status: number; json: unknown }>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', async () => {
      const { status, json } = await answer(JSON.parse(text) as IngestBatch);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describeEachStore('energy points through the agent spool', (factory) => {
  const store = useStore(factory);

  it('keeps them while the control plane is down, and stores each once after a lost answer', async () => {
    const clock = new VirtualClock(T0 + 10 * MIN);
    const fleet = createFleetService({ repo: store().fleet, clock, settings: () => ({ silentAfterMs: MIN }) });
    const { key } = await fleet.addHost('edge', null);
    const host = (await fleet.authenticateAgent(key))!;
    let mode: 'down' | 'lose-answer' | 'up' = 'down';
    const posted: string[] = [];
    const { server, url } = await standIn(async (body) => {
      posted.push(`${mode}:${body.batchId}:${body.snapshots.length}:${body.energy?.length ?? 0}`);
      if (mode === 'down') return { status: 503, json: { error: { code: 'ORCHA_ERR_DEPENDENCY_DOWN' } } };
      const answer = await fleet.ingest(host, body);
      if (mode === 'lose-answer') {
        mode = 'up';
        return { status: 500, json: { error: { code: 'ORCHA_ERR_INTERNAL' } } };
      }
      return { status: 200, json: { ...answer, batchId: body.batchId } };
    });
    const dir = mkdtempSync(join(tmpdir(), 'orcha-energy-spool-'));
    const spool = openSpool(join(dir, 'spool.db'));
    try {
      for (let i = 1; i <= 3; i++) {
        const t = T0 + i * MIN;
        spool.append(snapshot(t, [protocolSample('storj', t, { earnedUsd: 0.01 })]));
        spool.appendEnergy(point(t, 90 + i));
      }
      const sender = createAgentSender({ server: url, key, agentVersion: '0.3.0', spool, log: silentLogger(), maxBatch: 2, attempts: 2 });

      // Down: everything stays spooled.
      expect(await sender.flush()).toEqual({ sent: 0, failed: true });
      expect(spool.energyPending()).toBe(3);
      expect(await store().hostEnergy.now(host.id)).toBeNull();

      // Back, but the answer to the first batch is lost after it was stored: resent under its id, stored once.
      mode = 'lose-answer';
      expect(await sender.flush()).toEqual({ sent: 3, failed: false });
      expect(spool.energyPending()).toBe(0);
      const [first] = posted.filter((p) => p.startsWith('lose-answer'));
      expect(first).toMatch(/^lose-answer:\w+:2:2$/);
      expect(posted.filter((p) => p.startsWith('up:'))[0]).toBe(first!.replace('lose-answer', 'up'));

      // A point spooled after the last snapshot goes in a batch of its own.
      spool.appendEnergy(point(T0 + 4 * MIN, 94));
      expect(await sender.flush()).toEqual({ sent: 0, failed: false });
      expect(posted.at(-1)).toMatch(/^up:\w+:0:1$/);

      const energy = store().hostEnergy.of(host.id);
      const totals = await energy.hostTotals({ from: T0, to: T0 + 10 * MIN });
      expect(totals.points).toBe(4);
      expect(totals.energyKwh).toBeCloseTo((91 + 92 + 93 + 94) / 1000 / 60, 12);
      const history = await energy.history({ from: T0, to: T0 + 10 * MIN, stepMs: MIN });
      expect(history.host.map((p) => p.hostWatts)).toEqual([91, 92, 93, 94]);
      expect(history.meters.map((m) => m.watts)).toEqual([91, 92, 93, 94]);
      const now = await store().hostEnergy.now(host.id);
      expect(now?.time).toBe(T0 + 4 * MIN);
      expect(JSON.parse(now!.viewJson).meters[0].error).toBeNull();
    } finally {
      spool.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it('sends the snapshots without the points to a control plane that does not take them', async () => {
  const bodies: IngestBatch[] = [];
  const { server, url } = await standIn(async (body) => {
    bodies.push(body);
    if ('energy' in body) return { status: 400, json: { error: { code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'body.energy', message: 'is not a known field' }] } } };
    return { status: 200, json: { result: 'stored', batchId: body.batchId, snapshots: body.snapshots.length } };
  });
  const dir = mkdtempSync(join(tmpdir(), 'orcha-energy-old-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    spool.append(snapshot(T0, []));
    spool.appendEnergy(point(T0));
    const sender = createAgentSender({ server: url, key: 'k', agentVersion: '0.3.0', spool, log: silentLogger() });
    expect(await sender.flush()).toEqual({ sent: 1, failed: false });
    // Points alone, later: that control plane could not store them; they leave the spool without a request.
    spool.appendEnergy(point(T0 + MIN));
    expect(await sender.flush()).toEqual({ sent: 0, failed: false });
    expect(bodies.map((b) => ['energy' in b, b.snapshots.length])).toEqual([
      [true, 1],
      [false, 1],
    ]);
    expect(spool.counts()).toMatchObject({ produced: 1, acknowledged: 1, pending: 0, rejected: 0 });
    expect(spool.energyPending()).toBe(0);
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('delivers the snapshots of a batch whose energy points the control plane refuses as invalid, and sends the next points', async () => {
  const bodies: IngestBatch[] = [];
  const { server, url } = await standIn(async (body) => {
    bodies.push(body);
    if (body.energy?.some((p) => p.view.hostWatts < 0)) {
      return { status: 400, json: { error: { code: 'ORCHA_ERR_VALIDATION', details: [{ path: 'body.energy[0].view.hostWatts', message: 'Expected number to be greater or equal to 0' }] } } };
    }
    return { status: 200, json: { result: 'stored', batchId: body.batchId, snapshots: body.snapshots.length } };
  });
  const dir = mkdtempSync(join(tmpdir(), 'orcha-energy-bad-'));
  const spool = openSpool(join(dir, 'spool.db'));
  try {
    spool.append(snapshot(T0, []));
    spool.appendEnergy(point(T0, -1));
    const sender = createAgentSender({ server: url, key: 'k', agentVersion: '0.3.0', spool, log: silentLogger() });
    expect(await sender.flush()).toEqual({ sent: 1, failed: false });
    spool.append(snapshot(T0 + MIN, []));
    spool.appendEnergy(point(T0 + MIN, 90));
    expect(await sender.flush()).toEqual({ sent: 1, failed: false });
    expect(bodies.map((b) => [b.energy?.length ?? 0, b.snapshots.length])).toEqual([
      [1, 1],
      [0, 1],
      [1, 1],
    ]);
    expect(spool.counts()).toMatchObject({ produced: 2, acknowledged: 2, pending: 0, rejected: 0 });
  } finally {
    spool.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
