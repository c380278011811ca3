/**
 * The application layer's services: every product behaviour that HTTP routes, CLI commands and loops call alike.
 * `createApplication` (application.ts) builds them from the real coordinator, engine, monitor and store; the
 * composition root (src/main.ts) is the only caller.
 */
import type { EventBus } from './events.js';
import type { PayoutsService } from './payouts.js';
import type { Principal } from '../auth/roles.js';
import type { EnergyService } from '../energy/energy-service.js';
import type { ExportFormat } from '../engine/monitor/export.js';
import type { Policy } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Delivery } from '../domain/notification.js';
import type { ChannelView, TestResult } from '../notifications/notifier.js';
import type { Opportunity, Plan } from '../domain/plan.js';
import type { Reallocation } from '../domain/reallocation.js';
import type { Snapshot } from '../domain/sample.js';
import type { Cache } from '../infra/cache.js';
import type { ConfigService } from './config-service.js';
import type { OperationsService } from './operations.js';
import type { PoliciesService } from './policies.js';
import type {
  AlertQuery,
  HistoryQuery,
  ProtocolPoint,
  ReallocationQuery,
  SnapshotPoint,
  TimeRange,
} from '../store/types.js';
import type { AllocationView, CoordinatorStatus, Dashboard, Health, Report, SystemStatus } from '../http/schemas/views.js';

export interface MetricsService {
  latest(): Promise<Snapshot | null>;
  history(query: HistoryQuery): Promise<SnapshotPoint[]>;
  protocolHistory(query: HistoryQuery): Promise<ProtocolPoint[]>;
}

export interface CoordinatorView {
  /** The poll loop's counters and every adapter's status. */
  status(): CoordinatorStatus;
  latest(): Snapshot | null;
}

export interface DecideRequest {
  dryRun: boolean;
  trigger: 'manual' | 'loop';
  requestedBy: string | null;
  signal?: AbortSignal;
}

export interface EngineService {
  /** The latest plan (computed on demand when none exists yet); null when there is no data to plan from. */
  plan(): Promise<Plan | null>;
  opportunities(): Promise<Opportunity[]>;
  allocation(): Promise<AllocationView>;
  reallocationHistory(query: ReallocationQuery): Promise<Reallocation[]>;
  /** Run one decision now (validated, rate-limited, held; applied unless dry-run or advisory). */
  decide(request: DecideRequest): Promise<Reallocation>;
  /** The plan the optimizer would give with these policies instead of the configured ones (nothing applied). */
  planWithPolicies(policies: Policy[]): Promise<Plan>;
}

export interface MonitorService {
  alerts(query: AlertQuery): Promise<Alert[]>;
  /** Acknowledge open alerts; returns those that changed. Unknown ids are ignored. */
  acknowledge(ids: string[], by: string | null): Promise<Alert[]>;
  dashboard(): Promise<Dashboard>;
}

export interface ReportsService {
  generate(range: TimeRange): Promise<Report>;
}

export interface ExportsService {
  /**
   * The protocol rows of `query` in time order as JSON or CSV text, page by page; with net columns (power, its cost,
   * net rate) when energy was accounted over the range.
   */
  chunks(query: HistoryQuery, format: ExportFormat): AsyncIterable<string>;
  /** Directory where export operations write their files. */
  dir: string;
}

/** Notification channels, test-send and delivery status (src/notifications). */
export interface NotificationsService {
  channels(): Promise<ChannelView[]>;
  test(channel?: string): Promise<TestResult[]>;
  deliveries(alertIds: string[]): Promise<Delivery[]>;
}

export interface AppServices {
  metrics: MetricsService;
  /** Payouts with their amounts and the amounts held back (payouts.ts). */
  payouts: PayoutsService;
  coordinator: CoordinatorView;
  engine: EngineService;
  monitor: MonitorService;
  reports: ReportsService;
  exports: ExportsService;
  config: ConfigService;
  policies: PoliciesService;
  operations: OperationsService;
  cache: Cache;
  /** The health checks, computed on request (database ping, adapters, executors). */
  health(): Promise<Health>;
  status(): Promise<SystemStatus>;
  events: EventBus;
  notifications?: NotificationsService;
  /** Bearer token (JWT or API key) -> principal; absent = WebSocket without authentication (tests, no security). */
  authenticate?: (token: string) => Promise<Principal | null>;
  /** Power, power cost and net earnings (absent: the server was built without energy accounting). */
  energy?: Pick<EnergyService, 'current' | 'history' | 'report' | 'digest' | 'netHistory' | 'onRecord'>;
}
