/**
 * Hosts, agent batches and remote hosts' snapshots (migration 006). A batch is stored whole or not at all, and a
 * batch id seen before is answered `duplicate` without writing anything: agents resend until acknowledged
 * (fleet-ingest.ts, which also holds late batches to the host's retention horizon).
 */
import { type Kysely, sql } from 'kysely';
import type { HostResources, ProtocolSample, Snapshot } from '../../domain/sample.js';
import type { Dialect, HistoryQuery, ProtocolPoint, SnapshotPoint, TimeRange } from '../types.js';
import { ingestBatchRows, type IngestOptions, type IngestOutcome, type IngestTables } from './fleet-ingest.js';
import { protocolBuckets } from './fleet-protocol-buckets.js';
import { decodeSample, SAMPLE_COLUMNS } from './fleet-sample-codec.js';
import { mergeProtocolPoints } from './metrics-points.js';

export interface HostRecord {
  id: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  createdAt: number;
  createdBy: string | null;
  revokedAt: number | null;
  lastSeenAt: number | null;
  agentVersion: string | null;
  /** The agent's last word on its spool (null: an agent that does not report it, or none yet). */
  spool: HostSpool | null;
}

export interface HostSpool {
  pending: number;
  /** Time of the oldest snapshot waiting, null when the spool is empty. */
  oldestAt: number | null;
  /** Since when the count has grown from report to report without shrinking; null when it shrank or is empty. */
  growingSince: number | null;
  reportedAt: number;
}

export interface HostTotals {
  snapshots: number;
  protocolSamples: number;
}

export interface FleetRepository {
  createHost(host: HostRecord): Promise<void>;
  findHostByName(name: string): Promise<HostRecord | null>;
  findHostByPrefix(prefix: string): Promise<HostRecord | null>;
  listHosts(): Promise<HostRecord[]>;
  revokeHost(id: string, at: number): Promise<boolean>;
  /** Record that the host's agent was heard from (with its status summary as JSON when it sent one). */
  touchHost(id: string, at: number, agentVersion: string, spool?: HostSpool, statusJson?: string): Promise<void>;
  /** The agent's last status summary (JSON, as stored) and when it arrived; null when it never sent one. */
  agentStatus(hostId: string): Promise<{ json: string; reportedAt: number } | null>;
  /** Store a batch of snapshots once: `duplicate` when the batch id was stored before (nothing is written then). */
  ingestBatch(hostId: string, batchId: string, snapshots: Snapshot[], receivedAt: number): Promise<'stored' | 'duplicate'>;
  /** The same, saying how many snapshots were stored and how many were past the host's retention horizon (fleet-ingest.ts). */
  ingest(hostId: string, batchId: string, snapshots: Snapshot[], receivedAt: number, options?: IngestOptions): Promise<IngestOutcome>;
  latest(hostId: string): Promise<Snapshot | null>;
  history(hostId: string, query: TimeRange & { stepMs?: number }): Promise<SnapshotPoint[]>;
  /** The host's protocol points, in the shape of the local history (bucket averages, summed earnings). */
  protocolHistory(hostId: string, query: HistoryQuery): Promise<ProtocolPoint[]>;
  totals(hostId: string): Promise<HostTotals>;
}

interface HostsTable {
  id: string;
  name: string;
  key_prefix: string;
  key_hash: string;
  created_at: number;
  created_by: string | null;
  revoked_at: number | null;
  last_seen_at: number | null;
  agent_version: string | null;
  spool_pending: number | null;
  spool_oldest_at: number | null;
  spool_growing_since: number | null;
  spool_reported_at: number | null;
  status_json: string | null;
  status_reported_at: number | null;
}
/** A host's own columns (not its status summary, read on its own: it is the largest and few reads need it). */
const HOST_COLUMNS = [
  'id',
  'name',
  'key_prefix',
  'key_hash',
  'created_at',
  'created_by',
  'revoked_at',
  'last_seen_at',
  'agent_version',
  'spool_pending',
  'spool_oldest_at',
  'spool_growing_since',
  'spool_reported_at',
] as const;
type HostRow = Pick<HostsTable, (typeof HOST_COLUMNS)[number]>;
interface FleetDatabase extends IngestTables {
  hosts: HostsTable;
}

const num = (v: number | string | null): number | null => (v == null ? null : Number(v));

function toHost(r: HostRow): HostRecord {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: r.key_prefix,
    keyHash: r.key_hash,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
    revokedAt: num(r.revoked_at),
    lastSeenAt: num(r.last_seen_at),
    agentVersion: r.agent_version,
    spool:
      r.spool_pending == null || r.spool_reported_at == null
        ? null
        : {
            pending: Number(r.spool_pending),
            oldestAt: num(r.spool_oldest_at),
            growingSince: num(r.spool_growing_since),
            reportedAt: Number(r.spool_reported_at),
          },
  };
}

function protocolPoint(time: number, p: ProtocolSample): ProtocolPoint {
  return {
    time,
    protocol: p.protocol,
    usdPerHour: p.usdPerHour,
    earnedUsd: p.earnedUsd,
    earnedTokens: p.earnedTokens,
    connected: p.connected ? 1 : 0,
    uptime: p.uptime,
    cpuPercent: p.cpuPercent,
    memoryBytes: p.memoryBytes,
    bandwidthBytesPerSec: p.bandwidthBytesPerSec,
    storageBytes: p.storageBytes,
    allocCpu: p.allocation.cpu,
    allocMemory: p.allocation.memory,
    allocBandwidth: p.allocation.bandwidth,
    allocStorage: p.allocation.storage,
    samples: 1,
  };
}

export function createFleetRepository(anyDb: Kysely<unknown>, dialect: Dialect = 'sqlite'): FleetRepository {
  const db = anyDb as Kysely<FleetDatabase>;
  return {
    async createHost(h) {
      await db
        .insertInto('hosts')
        .values({
          id: h.id,
          name: h.name,
          key_prefix: h.keyPrefix,
          key_hash: h.keyHash,
          created_at: h.createdAt,
          created_by: h.createdBy,
          revoked_at: h.revokedAt,
          last_seen_at: h.lastSeenAt,
          agent_version: h.agentVersion,
        })
        .execute();
    },
    async findHostByName(name) {
      const r = await db.selectFrom('hosts').select(HOST_COLUMNS).where('name', '=', name).executeTakeFirst();
      return r ? toHost(r) : null;
    },
    async findHostByPrefix(prefix) {
      const r = await db.selectFrom('hosts').select(HOST_COLUMNS).where('key_prefix', '=', prefix).executeTakeFirst();
      return r ? toHost(r) : null;
    },
    async listHosts() {
      const rows = await db.selectFrom('hosts').select(HOST_COLUMNS).orderBy('name').execute();
      return rows.map(toHost);
    },
    async revokeHost(id, at) {
      const r = await db.updateTable('hosts').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async touchHost(id, at, agentVersion, spool, statusJson) {
      const spoolColumns = spool
        ? { spool_pending: spool.pending, spool_oldest_at: spool.oldestAt, spool_growing_since: spool.growingSince, spool_reported_at: spool.reportedAt }
        : {};
      const statusColumns = statusJson === undefined ? {} : { status_json: statusJson, status_reported_at: at };
      await db
        .updateTable('hosts')
        .set({ last_seen_at: at, agent_version: agentVersion, ...spoolColumns, ...statusColumns })
        .where('id', '=', id)
        .execute();
    },
    async agentStatus(hostId) {
      const r = await db.selectFrom('hosts').select(['status_json', 'status_reported_at']).where('id', '=', hostId).executeTakeFirst();
      return r?.status_json == null || r.status_reported_at == null ? null : { json: r.status_json, reportedAt: Number(r.status_reported_at) };
    },
    async ingestBatch(hostId, batchId, snapshots, receivedAt) {
      return (await ingestBatchRows(anyDb, dialect, { hostId, batchId, snapshots, receivedAt })).result;
    },
    ingest: (hostId, batchId, snapshots, receivedAt, options) => ingestBatchRows(anyDb, dialect, { hostId, batchId, snapshots, receivedAt }, options),
    async latest(hostId) {
      const snap = await db
        .selectFrom('host_snapshots')
        .selectAll()
        .where('host_id', '=', hostId)
        .orderBy('time', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!snap) return null;
      const time = Number(snap.time);
      const rows = await db
        .selectFrom('host_protocol_samples')
        .select(SAMPLE_COLUMNS)
        .where('host_id', '=', hostId)
        .where('time', '=', time)
        .orderBy('protocol')
        .execute();
      return {
        time,
        totalUsdPerHour: Number(snap.total_usd_per_hour),
        host: JSON.parse(snap.host_json) as HostResources,
        protocols: rows.map(decodeSample),
      };
    },
    async history(hostId, q) {
      const step = q.stepMs && q.stepMs > 0 ? Math.floor(q.stepMs) : 0;
      if (!step) {
        const rows = await db
          .selectFrom('host_snapshots')
          .select(['time', 'total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'])
          .where('host_id', '=', hostId)
          .where('time', '>=', q.from)
          .where('time', '<=', q.to)
          .orderBy('time')
          .execute();
        return rows.map((r) => ({
          time: Number(r.time),
          totalUsdPerHour: Number(r.total_usd_per_hour),
          cpuPercent: Number(r.cpu_percent),
          memoryPercent: Number(r.memory_percent),
          bandwidthPercent: Number(r.bandwidth_percent),
          storagePercent: Number(r.storage_percent),
        }));
      }
      const bucket = sql<number>`(time / ${sql.lit(step)}) * ${sql.lit(step)}`;
      const rows = await db
        .selectFrom('host_snapshots')
        .select([
          bucket.as('bucket'),
          sql<number>`avg(total_usd_per_hour)`.as('usd'),
          sql<number>`avg(cpu_percent)`.as('cpu'),
          sql<number>`avg(memory_percent)`.as('mem'),
          sql<number>`avg(bandwidth_percent)`.as('bw'),
          sql<number>`avg(storage_percent)`.as('sto'),
        ])
        .where('host_id', '=', hostId)
        .where('time', '>=', q.from)
        .where('time', '<=', q.to)
        .groupBy(sql`1`)
        .orderBy(sql`1`)
        .execute();
      return rows.map((r) => ({
        time: Number(r.bucket),
        totalUsdPerHour: Number(r.usd),
        cpuPercent: Number(r.cpu),
        memoryPercent: Number(r.mem),
        bandwidthPercent: Number(r.bw),
        storagePercent: Number(r.sto),
      }));
    },
    async protocolHistory(hostId, q) {
      const step = q.stepMs && q.stepMs > 0 ? Math.floor(q.stepMs) : 0;
      if (step) return protocolBuckets(anyDb, dialect, hostId, { ...q, stepMs: step });
      let query = db
        .selectFrom('host_protocol_samples')
        .select(SAMPLE_COLUMNS)
        .where('host_id', '=', hostId)
        .where('time', '>=', q.from)
        .where('time', '<=', q.to);
      if (q.protocol !== undefined) query = query.where('protocol', '=', q.protocol);
      const rows = await query.orderBy('time').orderBy('protocol').execute();
      // One point per sample, its time the bucket's start; the merge folds a bucket's samples into one point.
      return mergeProtocolPoints(
        rows.map((r) => {
          const time = Number(r.time);
          return protocolPoint(step ? Math.floor(time / step) * step : time, decodeSample(r));
        }),
      );
    },
    async totals(hostId) {
      const s = await db
        .selectFrom('host_snapshots')
        .select(sql<number>`count(*)`.as('n'))
        .where('host_id', '=', hostId)
        .executeTakeFirstOrThrow();
      const p = await db
        .selectFrom('host_protocol_samples')
        .select(sql<number>`count(*)`.as('n'))
        .where('host_id', '=', hostId)
        .executeTakeFirstOrThrow();
      return { snapshots: Number(s.n), protocolSamples: Number(p.n) };
    },
  };
}
