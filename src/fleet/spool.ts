/**
 * The agent's spool: every snapshot is written here first (a local SQLite file), then sent in batches. A batch keeps
 * its id until the control plane acknowledges it, so a resend after a crash or a lost answer carries the same id and
 * is stored once. Rows leave the spool only when acknowledged: an outage of hours loses nothing.
 */
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Snapshot } from '../domain/sample.js';

export interface SpoolBatch {
  batchId: string;
  snapshots: Snapshot[];
  /** The energy points (energy/energy-point.ts) spooled with them, as stored: the sender passes them on unread. */
  energy: unknown[];
}

export interface SpoolCounts {
  /** Snapshots written to the spool since it was created. */
  produced: number;
  /** Snapshots the control plane acknowledged. */
  acknowledged: number;
  /** Snapshots waiting. */
  pending: number;
  /** Snapshots the control plane refused as invalid (set aside). */
  rejected: number;
  /**
   * Of the acknowledged, those the control plane did not store because they were older than its retention horizon
   * (hours it had already rolled up: a replay from there could have been counted twice). Dropped, never resent.
   */
  expired: number;
}

export interface Spool {
  append(snapshot: Snapshot): void;
  /** Spool a point of the host's energy accounting: it travels with the next batch, under the same id. */
  appendEnergy(point: unknown): void;
  /** Energy points waiting. */
  energyPending(): number;
  /**
   * The batch to send next: the one already in flight (same id), or up to `max` oldest snapshots and up to `max`
   * oldest energy points under a new id.
   */
  next(max: number): SpoolBatch | null;
  /** The control plane has the batch (`expired`: how many of its snapshots it dropped as past its retention). */
  acknowledge(batchId: string, expired?: number): void;
  /** Set a batch the control plane refused as invalid aside (kept in the file for inspection, never resent). */
  reject(batchId: string): void;
  counts(): SpoolCounts;
  /** Time of the oldest snapshot waiting, null when the spool is empty. */
  oldestTime(): number | null;
  /** Keep what became of a control-plane plan until the control plane has it (one row per plan, the last word wins). */
  addOutcome(planId: string, outcome: unknown): void;
  /** Up to `max` outcomes not yet delivered, oldest first. */
  outcomes(max: number): { planId: string; outcome: unknown }[];
  /** The control plane has these: forget them. */
  acknowledgeOutcomes(planIds: string[]): void;
  /** Whether a plan's measured effect was queued already (kept after its outcome was delivered). */
  effectQueued(planId: string): boolean;
  markEffectQueued(planId: string): void;
  close(): void;
}

/** Measured-effect marks kept (four times the plans the agent looks effects up among). */
export const EFFECT_MARKS_KEPT = 2_000;

export function openSpool(path: string, options: { maxRows?: number } = {}): Spool {
  const maxRows = options.maxRows ?? 2_000_000;
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    create table if not exists spool (seq integer primary key autoincrement, body text not null, batch_id text);
    create index if not exists spool_batch on spool (batch_id);
    create table if not exists rejected (seq integer primary key, body text not null, batch_id text not null);
    create table if not exists counters (name text primary key, value integer not null);
    insert or ignore into counters values ('produced', 0), ('acknowledged', 0), ('rejected', 0), ('expired', 0);
    create table if not exists outcomes (seq integer primary key autoincrement, plan_id text not null unique, body text not null);
    create table if not exists energy (seq integer primary key autoincrement, body text not null, batch_id text);
    create index if not exists energy_batch on energy (batch_id);
    create table if not exists rejected_energy (seq integer primary key, body text not null, batch_id text not null);
    create table if not exists effects_queued (plan_id text primary key);
  `);
  const effectRow = db.prepare('select 1 as x from effects_queued where plan_id = ?');
  const putEffect = db.prepare('insert or ignore into effects_queued (plan_id) values (?)');
  // The agent looks effects up among its latest 500 applied plans (agent.ts): the newest marks are all it needs, so
  // the table stays bounded on an agent that runs for years.
  const trimEffects = db.prepare('delete from effects_queued where rowid <= (select max(rowid) from effects_queued) - ?');
  const putOutcome = db.prepare(
    'insert into outcomes (plan_id, body) values (?, ?) on conflict (plan_id) do update set body = excluded.body',
  );
  const listOutcomes = db.prepare('select plan_id, body from outcomes order by seq limit ?');
  const dropOutcome = db.prepare('delete from outcomes where plan_id = ?');
  const dropOutcomes = db.transaction((ids: string[]) => {
    for (const id of ids) dropOutcome.run(id);
  });
  const insert = db.prepare('insert into spool (body) values (?)');
  const bump = db.prepare('update counters set value = value + ? where name = ?');
  const inFlight = db.prepare('select batch_id from spool where batch_id is not null order by seq limit 1');
  const rowsOf = db.prepare('select body from spool where batch_id = ? order by seq');
  const oldest = db.prepare('select seq from spool where batch_id is null order by seq limit 1 offset ?');
  const assign = db.prepare('update spool set batch_id = ? where batch_id is null and seq <= ?');
  const lastFree = db.prepare('select max(seq) as seq from spool where batch_id is null');
  const remove = db.prepare('delete from spool where batch_id = ?');
  const count = db.prepare('select count(*) as n from spool');
  const counter = db.prepare('select value from counters where name = ?');
  const first = db.prepare('select body from spool order by seq limit 1');
  const dropOldest = db.prepare('delete from spool where seq in (select seq from spool where batch_id is null order by seq limit ?)');
  const insertEnergy = db.prepare('insert into energy (body) values (?)');
  const energyCount = db.prepare('select count(*) as n from energy');
  const dropOldestEnergy = db.prepare('delete from energy where seq in (select seq from energy where batch_id is null order by seq limit ?)');
  const energyInFlight = db.prepare('select batch_id from energy where batch_id is not null order by seq limit 1');
  const oldestEnergy = db.prepare('select seq from energy where batch_id is null order by seq limit 1 offset ?');
  const lastFreeEnergy = db.prepare('select max(seq) as seq from energy where batch_id is null');
  const assignEnergy = db.prepare('update energy set batch_id = ? where batch_id is null and seq <= ?');
  const energyOf = db.prepare('select body from energy where batch_id = ? order by seq');
  const removeEnergy = db.prepare('delete from energy where batch_id = ?');
  const setAsideEnergy = db.prepare('insert into rejected_energy select seq, body, batch_id from energy where batch_id = ?');

  const append = db.transaction((s: Snapshot) => {
    insert.run(JSON.stringify(s));
    bump.run(1, 'produced');
    const n = (count.get() as { n: number }).n;
    // A bound, so a control plane gone for months cannot fill the disk: the oldest unsent rows go first.
    if (n > maxRows) dropOldest.run(n - maxRows);
  });
  const appendEnergyRow = db.transaction((body: string) => {
    insertEnergy.run(body);
    const n = (energyCount.get() as { n: number }).n;
    if (n > maxRows) dropOldestEnergy.run(n - maxRows);
  });
  /** The last seq of the (up to) `max` oldest free rows of a table, null when it has none. */
  const edgeOf = (first: BetterSqlite3.Statement, last: BetterSqlite3.Statement, max: number): number | null =>
    (first.get(max - 1) as { seq: number } | undefined)?.seq ?? (last.get() as { seq: number | null }).seq ?? null;
  const claim = db.transaction((max: number): string | null => {
    const current = (inFlight.get() ?? energyInFlight.get()) as { batch_id: string } | undefined;
    if (current) return current.batch_id;
    const edge = edgeOf(oldest, lastFree, max);
    const energyEdge = edgeOf(oldestEnergy, lastFreeEnergy, max);
    if (edge === null && energyEdge === null) return null;
    const id = randomUUID().replaceAll('-', '');
    if (edge !== null) assign.run(id, edge);
    if (energyEdge !== null) assignEnergy.run(id, energyEdge);
    return id;
  });
  const ack = db.transaction((batchId: string, expired: number) => {
    removeEnergy.run(batchId);
    const removed = remove.run(batchId).changes;
    bump.run(removed, 'acknowledged');
    if (removed > 0 && expired > 0) bump.run(Math.min(expired, removed), 'expired');
  });

  const setAside = db.prepare('insert into rejected select seq, body, batch_id from spool where batch_id = ?');
  const rejectBatch = db.transaction((batchId: string) => {
    setAsideEnergy.run(batchId);
    removeEnergy.run(batchId);
    setAside.run(batchId);
    bump.run(remove.run(batchId).changes, 'rejected');
  });

  return {
    append: (s) => void append(s),
    appendEnergy: (point) => void appendEnergyRow(JSON.stringify(point)),
    energyPending: () => (energyCount.get() as { n: number }).n,
    reject: (id) => void rejectBatch(id),
    next(max) {
      const batchId = claim(Math.max(1, Math.floor(max)));
      if (!batchId) return null;
      const rows = rowsOf.all(batchId) as { body: string }[];
      const energy = energyOf.all(batchId) as { body: string }[];
      return { batchId, snapshots: rows.map((r) => JSON.parse(r.body) as Snapshot), energy: energy.map((r) => JSON.parse(r.body) as unknown) };
    },
    acknowledge: (id, expired = 0) => void ack(id, expired),
    counts() {
      return {
        produced: (counter.get('produced') as { value: number }).value,
        acknowledged: (counter.get('acknowledged') as { value: number }).value,
        pending: (count.get() as { n: number }).n,
        rejected: (counter.get('rejected') as { value: number }).value,
        expired: (counter.get('expired') as { value: number }).value,
      };
    },
    oldestTime() {
      const row = first.get() as { body: string } | undefined;
      return row ? (JSON.parse(row.body) as Snapshot).time : null;
    },
    addOutcome(planId, outcome) {
      putOutcome.run(planId, JSON.stringify(outcome));
    },
    outcomes(max) {
      const rows = listOutcomes.all(Math.max(1, Math.floor(max))) as { plan_id: string; body: string }[];
      return rows.map((r) => ({ planId: r.plan_id, outcome: JSON.parse(r.body) as unknown }));
    },
    acknowledgeOutcomes: (ids) => void dropOutcomes(ids),
    effectQueued: (planId) => effectRow.get(planId) !== undefined,
    markEffectQueued: (planId) => {
      putEffect.run(planId);
      trimEffects.run(EFFECT_MARKS_KEPT);
    },
    close: () => db.close(),
  };
}
