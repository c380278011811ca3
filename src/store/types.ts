/**
 * The storage contract: one repository per aggregate. Implemented once with Kysely for SQLite and PostgreSQL
 * (store/repositories/*). Times are epoch milliseconds everywhere in this layer.
 */
import type { Alert, AlertStatus } from '../domain/alert.js';
import type { Delivery, MessageKind, OutboxMessage } from '../domain/notification.js';
import type { Operation, OperationStatus } from '../domain/operation.js';
import type { Reallocation, ReallocationStatus, ReallocationStep } from '../domain/reallocation.js';
import type { LedgerState } from '../domain/earnings.js';
import type { NodeHealth } from '../domain/health.js';
import type { Payout } from '../domain/payout.js';
import type { Snapshot } from '../domain/sample.js';
import type { EnergyRepository } from './repositories/energy.repository.js';
import type { EngineStateRepository } from './repositories/engine-state.repository.js';
export type { EngineStateRepository };
import type { FleetRepository } from './repositories/fleet.repository.js';
import type { FleetRollups } from './repositories/fleet-rollups.js';
import type { LeaseRepository } from './repositories/leases.repository.js';
import type { HostPlansRepository } from './repositories/host-plans.repository.js';
import type { HostReadsRepository } from './repositories/host-reads.repository.js';
import type { HostEnergyRepository } from './repositories/host-energy.repository.js';

export interface TimeRange {
  from: number;
  to: number;
}

export interface HistoryQuery extends TimeRange {
  /** Bucket width for server-side downsampling; omitted = raw points. */
  stepMs?: number;
  protocol?: string;
}

/** One snapshot-level point (or the average of a bucket). */
export interface SnapshotPoint {
  time: number;
  totalUsdPerHour: number;
  cpuPercent: number;
  memoryPercent: number;
  bandwidthPercent: number;
  storagePercent: number;
}

/** One protocol-level point (or the average of a bucket). */
export interface ProtocolPoint {
  time: number;
  protocol: string;
  usdPerHour: number;
  earnedUsd: number;
  earnedTokens: number;
  /** fraction of samples connected in the bucket, 0..1 */
  connected: number;
  uptime: number;
  /** null: not measured in the bucket (no container stats) */
  cpuPercent: number | null;
  memoryBytes: number | null;
  bandwidthBytesPerSec: number | null;
  storageBytes: number;
  allocCpu: number;
  allocMemory: number;
  allocBandwidth: number;
  allocStorage: number;
  /** samples in the bucket */
  samples: number;
}

export interface EarningsTotal {
  protocol: string;
  token: string;
  usd: number;
  tokens: number;
  payoutEvents: number;
}

export interface PayoutQuery {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  protocol?: string;
  /** newest first, at most this many (default 100) */
  limit?: number;
}

export interface MetricsRepository {
  /** Snapshot row and its protocol rows in one transaction. */
  insertSnapshot(snapshot: Snapshot): Promise<void>;
  /** Many snapshots in one transaction (ingest, benchmarks, imports). */
  insertSnapshots(snapshots: Snapshot[]): Promise<void>;
  latest(): Promise<Snapshot | null>;
  history(query: HistoryQuery): Promise<SnapshotPoint[]>;
  /**
   * Falls back to hourly rollups for the part of the range older than raw retention. Steps of whole hours read
   * rolled-up hours from hourly rollups, steps of whole days read rolled-up days from daily rollups (same answers).
   */
  protocolHistory(query: HistoryQuery): Promise<ProtocolPoint[]>;
  earningsTotals(range: TimeRange): Promise<EarningsTotal[]>;
  averageUptime(range: TimeRange, protocol?: string): Promise<{ protocol: string; uptime: number }[]>;
  /** Payouts with their amounts (kept beyond raw retention), newest first. */
  payouts(query: PayoutQuery): Promise<Payout[]>;
  /**
   * Compute hourly rollups for whole hours in [from, to) (idempotent: replaces existing rows), and recompute the daily
   * rollups of the days they fall in. Returns the hourly protocol rows written.
   */
  rollup(range: TimeRange): Promise<number>;
  /** Delete raw snapshots (and their protocol rows) older than `before`; returns rows deleted. */
  deleteRawBefore(before: number): Promise<number>;
  /** Delete rollups before the hour of `before` (days before it, and its day recomputed); returns hourly rows deleted. */
  deleteRollupsBefore(before: number): Promise<number>;
  /** Stream raw protocol rows in time order, page by page (exports). */
  iterateProtocolRows(query: HistoryQuery, pageSize?: number): AsyncIterable<ProtocolPoint[]>;
  /** `rollups`: hourly protocol rows. */
  count(): Promise<{ snapshots: number; protocolRows: number; rollups: number }>;
}

export interface ReallocationQuery {
  status?: ReallocationStatus;
  limit?: number;
  offset?: number;
  since?: number;
}

export interface ReallocationsRepository {
  /** Insert the reallocation and its steps. */
  create(r: Reallocation): Promise<void>;
  /** Update status, reason, finishedAt, measured effect. */
  update(id: string, patch: Partial<Omit<Reallocation, 'id' | 'steps'>>): Promise<void>;
  /** Journal: written before each step is applied and after its outcome is known. */
  updateStep(id: string, step: ReallocationStep): Promise<void>;
  get(id: string): Promise<Reallocation | null>;
  list(query?: ReallocationQuery): Promise<Reallocation[]>;
  /** Reallocations left in `applying` (a crash mid-way). */
  findInterrupted(): Promise<Reallocation[]>;
  /** Applied (not dry-run) reallocations since `time`, for the hourly rate limit. */
  countAppliedSince(time: number): Promise<number>;
  /** Last time each protocol's allocation changed (applied, not dry-run). */
  lastChangeByProtocol(): Promise<Record<string, number>>;
  /** Reallocations whose measured effect is still unknown and finished before `before`. */
  pendingMeasurement(before: number): Promise<Reallocation[]>;
}

export interface AlertQuery {
  status?: AlertStatus | AlertStatus[];
  type?: string;
  protocol?: string;
  limit?: number;
  offset?: number;
}

export interface AlertsRepository {
  insert(alert: Alert): Promise<void>;
  update(id: string, patch: Partial<Omit<Alert, 'id'>>): Promise<void>;
  get(id: string): Promise<Alert | null>;
  /** The open or acknowledged (not resolved) alert for a condition, if any. */
  findActiveByKey(dedupKey: string): Promise<Alert | null>;
  list(query?: AlertQuery): Promise<Alert[]>;
  countActive(): Promise<number>;
}

export interface NotificationOutboxRepository {
  /** The message and its links to the alerts it carries, in one transaction. */
  enqueue(message: OutboxMessage): Promise<void>;
  /** Pending messages whose next attempt is due, oldest first. */
  due(now: number, limit: number): Promise<OutboxMessage[]>;
  get(id: string): Promise<OutboxMessage | null>;
  update(id: string, patch: Partial<Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'updatedAt' | 'sentAt'>>): Promise<void>;
  /** The latest message per alert and channel. */
  deliveries(alertIds: string[]): Promise<Delivery[]>;
  /** The latest message per channel (any kind), newest first within the limit. */
  latestByChannel(): Promise<OutboxMessage[]>;
  /** When a message of this kind last went to the channel (sent or not), or null. */
  lastOfKind(channel: string, kind: MessageKind): Promise<number | null>;
  pendingCount(): Promise<Record<string, number>>;
  list(query?: { channel?: string; limit?: number }): Promise<OutboxMessage[]>;
}

export interface OperationsRepository {
  insert(op: Operation): Promise<void>;
  update(id: string, patch: Partial<Omit<Operation, 'id'>>): Promise<void>;
  get(id: string): Promise<Operation | null>;
  list(query?: { status?: OperationStatus; limit?: number }): Promise<Operation[]>;
  /** At start-up: operations left pending/processing by a previous process. */
  findUnfinished(): Promise<Operation[]>;
}

export type Role = 'viewer' | 'operator' | 'admin';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Visible prefix, e.g. `orcha_ab12cd34`; the secret part is only stored hashed. */
  prefix: string;
  hash: string;
  role: Role;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  hash: string;
  expiresAt: number;
  createdAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface UsersRepository {
  create(user: UserRecord): Promise<void>;
  findByUsername(username: string): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
  update(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<void>;
  delete(id: string): Promise<void>;
  count(): Promise<number>;

  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string, at: number): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;

  createRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used; returns false if it was already used or revoked (single use, atomic). */
  consumeRefreshToken(id: string, at: number): Promise<boolean>;
  revokeRefreshTokensOfUser(userId: string, at: number): Promise<void>;
}

export interface AuditEntry {
  id?: number;
  time: number;
  actor: string | null;
  role: string | null;
  action: string;
  target: string | null;
  sourceIp: string | null;
  result: 'success' | 'failure';
  requestId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditRepository {
  insert(entry: AuditEntry): Promise<void>;
  list(query?: { limit?: number; offset?: number; actor?: string; action?: string; from?: number; to?: number }): Promise<AuditEntry[]>;
}

/** A protocol's health as stored: one record per change (migration 003). */
export interface HealthRecord {
  protocol: string;
  /** epoch ms of the poll that first saw this health */
  time: number;
  health: NodeHealth;
}

export interface NodeHealthRepository {
  /** Store the health read at `time` unless it equals the last stored one; true when a row was written. */
  record(protocol: string, time: number, health: NodeHealth): Promise<boolean>;
  /** Each protocol's last stored health. */
  latest(): Promise<HealthRecord[]>;
  /** Changes of one protocol's health in [from, to), oldest first. */
  history(protocol: string, from: number, to: number): Promise<HealthRecord[]>;
  /** Retention: rows older than `before`, except each protocol's last one (its health now); the number deleted. */
  deleteBefore(before: number): Promise<number>;
}

/** Each protocol's earnings ledger state, kept so a restart continues from the last stored counter. */
export interface LedgerRepository {
  load(): Promise<Map<string, LedgerState>>;
  save(protocol: string, state: LedgerState): Promise<void>;
}

export interface Repositories {
  metrics: MetricsRepository;
  reallocations: ReallocationsRepository;
  alerts: AlertsRepository;
  operations: OperationsRepository;
  users: UsersRepository;
  audit: AuditRepository;
  notifications: NotificationOutboxRepository;
  /** Power readings, cost and net earnings (migration 005). */
  energy: EnergyRepository;
  fleet: FleetRepository;
  /** Fleet hosts' power, power cost and net earnings as their agents sent them (migration 020). */
  hostEnergy: HostEnergyRepository;
  /** Hourly rollups of remote hosts' rows and their retention (migration 014). */
  fleetRollups: FleetRollups;
  engineState: EngineStateRepository;
  /** Leases for work that runs on one replica only (migration 010). */
  leases: LeaseRepository;
  /** Plans made for remote hosts and their outcomes, each host's planning context (migration 013). */
  hostPlans: HostPlansRepository;
  /** Reads about one remote host: its plans (paginated), the alerts about it, its payouts. */
  hostReads: HostReadsRepository;
  /** Node health per change and the earnings ledgers (migration 003). */
  nodeHealth: NodeHealthRepository;
  ledgers: LedgerRepository;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Store extends Repositories {
  dialect: Dialect;
  /** Run pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Cheap liveness check (SELECT 1). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL URL; when set, wins over sqlitePath. */
  url?: string;
  /** SQLite file path (':memory:' allowed in tests). */
  sqlitePath?: string;
  /** Run migrations on open (default true). */
  migrate?: boolean;
}
