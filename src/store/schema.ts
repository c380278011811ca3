/**
 * Kysely table types. Column units are documented here once; the repositories convert to domain units through
 * codec.ts. Hot tables (metrics, protocol_metrics) hold scaled integers so SQLite stores them in 1-6 bytes.
 */
import type { Generated } from 'kysely';

export interface MetricsTable {
  /** epoch ms; the primary key (the rowid itself in SQLite) */
  time: number;
  /** nano-USD per hour */
  total_usd_per_hour: number;
  /** percent × 1e4 */
  cpu_percent: number;
  memory_percent: number;
  bandwidth_percent: number;
  storage_percent: number;
  cpu_count: number;
  memory_total_bytes: number;
  memory_used_bytes: number;
  bandwidth_capacity_bps: number;
  bandwidth_bps: number;
  storage_total_bytes: number;
  storage_used_bytes: number;
}

export interface ProtocolMetricsTable {
  protocol_id: number;
  /** the snapshot's time (joins to metrics.time) */
  time: number;
  /** sample.time - snapshot.time, ms (usually 0, which SQLite stores in zero bytes) */
  time_offset: number;
  connected: number;
  error: string | null;
  /** nano-tokens */
  cumulative_tokens: number | null;
  earned_tokens: number;
  /** nano-USD */
  earned_usd: number;
  usd_per_hour: number;
  payout_event: number;
  /** fraction × 1e6 */
  uptime: number;
  /** percent × 1e4; NULL = not measured (migration 007), as are memory, network and block I/O */
  cpu_percent: number | null;
  memory_bytes: number | null;
  bandwidth_bps: number | null;
  /** block reads + writes, bytes/s */
  block_io_bps: number | null;
  storage_bytes: number;
  /** allocations.id: allocations change rarely, so each distinct one is stored once */
  allocation_id: number;
  /** microseconds */
  latency_us: number;
}

export interface ProtocolsTable {
  id: Generated<number>;
  name: string;
  type: string;
  token: string;
}

/** Distinct allocation share tuples (percent × 1e4). */
export interface AllocationsTable {
  id: Generated<number>;
  cpu: number;
  memory: number;
  bandwidth: number;
  storage: number;
}

/** Per protocol per hour; plain domain units (doubles): the table is small. */
export interface MetricsHourlyTable {
  protocol_id: number;
  hour: number;
  samples: number;
  usd_per_hour: number;
  earned_usd: number;
  earned_tokens: number;
  payout_events: number;
  connected: number;
  uptime: number;
  /** averages of the measured samples; NULL when none was measured */
  cpu_percent: number | null;
  memory_bytes: number | null;
  bandwidth_bps: number | null;
  block_io_bps: number | null;
  storage_bytes: number;
  alloc_cpu: number;
  alloc_memory: number;
  alloc_bandwidth: number;
  alloc_storage: number;
  latency_ms: number;
}

/** Snapshot-level hourly averages so year-long dashboards never scan raw rows. */
export interface MetricsHostHourlyTable {
  hour: number;
  samples: number;
  total_usd_per_hour: number;
  cpu_percent: number;
  memory_percent: number;
  bandwidth_percent: number;
  storage_percent: number;
}

/** Per protocol per UTC day, derived from metrics_hourly (sample-weighted); same units. */
export interface MetricsDailyTable extends Omit<MetricsHourlyTable, 'hour'> {
  /** epoch ms of the UTC day's start */
  day: number;
}

/** Snapshot-level daily averages, derived from metrics_host_hourly. */
export interface MetricsHostDailyTable extends Omit<MetricsHostHourlyTable, 'hour'> {
  day: number;
}

export interface ReallocationsTable {
  id: string;
  status: string;
  reason: string | null;
  trigger: string;
  dry_run: number;
  exploration: number;
  strategy: string;
  /** JSON */
  before_alloc: string;
  after_alloc: string;
  projected_improvement: number;
  /** JSON Record<protocol, USD/h>: each protocol's part of the projection (migration 012); NULL before */
  projected_deltas: string | null;
  confidence: number;
  measured_before: number | null;
  measured_after: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface ReallocationStepsTable {
  reallocation_id: string;
  seq: number;
  protocol: string;
  /** JSON ResourceShares */
  from_shares: string;
  to_shares: string;
  status: string;
  error: string | null;
  applied_at: number | null;
}

export interface AlertsTable {
  id: string;
  type: string;
  severity: string;
  status: string;
  dedup_key: string;
  protocol: string | null;
  message: string;
  details: string | null;
  created_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
}

export interface OperationsTable {
  id: string;
  kind: string;
  priority: string;
  status: string;
  params: string;
  result: string | null;
  error: string | null;
  created_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  created_at: number;
  disabled: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  role: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  hash: string;
  expires_at: number;
  created_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  time: number;
  actor: string | null;
  role: string | null;
  action: string;
  target: string | null;
  source_ip: string | null;
  result: string;
  request_id: string | null;
  details: string | null;
}

export interface NotificationOutboxTable {
  id: string;
  channel: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  payload: string | null;
  status: string;
  attempts: number;
  next_attempt_at: number;
  held: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

export interface NotificationOutboxAlertsTable {
  outbox_id: string;
  alert_id: string;
}

export interface EngineStateTable {
  key: string;
  value_json: string;
  updated_at: number;
}

/** One row per payout the earnings ledger confirmed (migration 011); plain domain units. */
export interface PayoutsTable {
  protocol_id: number;
  time: number;
  tokens: number;
  usd: number;
}

export interface Database {
  metrics: MetricsTable;
  protocol_metrics: ProtocolMetricsTable;
  protocols: ProtocolsTable;
  allocations: AllocationsTable;
  metrics_hourly: MetricsHourlyTable;
  metrics_host_hourly: MetricsHostHourlyTable;
  metrics_daily: MetricsDailyTable;
  metrics_host_daily: MetricsHostDailyTable;
  reallocations: ReallocationsTable;
  reallocation_steps: ReallocationStepsTable;
  alerts: AlertsTable;
  operations: OperationsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  refresh_tokens: RefreshTokensTable;
  audit_log: AuditLogTable;
  notification_outbox: NotificationOutboxTable;
  notification_outbox_alerts: NotificationOutboxAlertsTable;
  engine_state: EngineStateTable;
  payouts: PayoutsTable;
}
