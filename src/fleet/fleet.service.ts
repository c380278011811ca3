/**
 * The control plane's view of the fleet: hosts and their agent keys, the ingest of agents' batches, and each host's
 * latest state for `GET /api/v1/hosts` and `?host=NAME`. Plain service: HTTP routes and CLI commands call it alike.
 */
import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { type AgentStatus, AgentStatusSchema } from '../domain/agent-status.js';
import { HOST_NAME_PATTERN } from '../domain/host.js';
import type { Snapshot } from '../domain/sample.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { HostReportEvent } from '../app/events.js';
import type { FleetRepository, HostRecord, HostSpool } from '../store/repositories/fleet.repository.js';
import type { HostPlanRecord, HostPlansRepository } from '../store/repositories/host-plans.repository.js';
import type { LeaseRepository } from '../store/repositories/leases.repository.js';
import type { HostEnergyRepository } from '../store/repositories/host-energy.repository.js';
import type { PlanningContext } from './planning-context.js';
import type { HistoryQuery, ProtocolPoint, SnapshotPoint, TimeRange } from '../store/types.js';
import { agentKeyMatches, agentKeyPrefix, generateAgentKey } from './agent-keys.js';
import { type EnergyPoint, energyRecordOf } from '../energy/energy-point.js';

export { HOST_NAME_PATTERN };
const HOST_NAME = new RegExp(HOST_NAME_PATTERN);

export type HostHealth = 'ok' | 'silent' | 'never-seen' | 'revoked';

export interface HostView {
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  health: HostHealth;
  agentVersion: string | null;
  /** The agent's last report on its spool, null when it never sent one. */
  spool: HostSpool | null;
  /** Sum of the latest snapshot's protocols, null before the first batch. */
  usdPerHour: number | null;
  /** Net of power cost, USD/h, at the latest energy point its agent sent; null when it sends none. */
  netUsdPerHour: number | null;
  protocols: number;
  connected: number;
  revokedAt: number | null;
  /** The control-plane replica that runs this host's decision loop (its unexpired lease), null when none does. */
  decidedBy: { replica: string; fence: number; until: number } | null;
}

/** The prefix of each host's decision lease (one replica runs a host's decisions). */
export const HOST_LEASE_PREFIX = 'host:';
export const hostLease = (name: string) => `${HOST_LEASE_PREFIX}${name}`;

export interface IngestBatch {
  batchId: string;
  agentVersion: string;
  snapshots: Snapshot[];
  /** The agent's spool when it sent the batch (agents before 0.2.0 do not say). */
  spool?: { pending: number; oldestAt: number | null };
  /** The agent's daemon when it sent the batch (agents before 0.3.0 do not say). */
  status?: AgentStatus;
  /** Points of the agent's energy accounting spooled with the snapshots (agents with `energy` enabled; older agents send none). */
  energy?: EnergyPoint[];
}

export interface FleetSettings {
  /** A host not heard from for this long is `silent`. */
  silentAfterMs: number;
  /** This machine's own name in the fleet (`fleet.localName`, else its hostname): no agent may take it. */
  localName?: string;
  /** `storage.retention.rawDays` in ms: a batch reaching that far back waits for a running retention (fleet-ingest.ts). */
  rawRetentionMs?: number;
}

/** What the control plane did with a batch. */
export interface IngestAnswer {
  result: 'stored' | 'duplicate';
  /** Snapshots in the batch. */
  snapshots: number;
  /**
   * Of them, how many were older than the host's retention horizon (hours already rolled up, whose raw rows and batch
   * ids are gone) and were not stored, so a replay from beyond `rawDays` is never counted twice. The agent drops them.
   */
  expired: number;
}

/** What an agent did with a plan of the control plane (its local reallocation's final status). */
export interface PlanOutcome {
  planId: string;
  status: string;
  reason: string | null;
  reallocationId: string | null;
  /** When the agent finished it (epoch ms). */
  at: number;
  /** Its measured effect: the host's average USD/h before and after (sent once the after-window has passed). */
  measuredBeforeUsdPerHour?: number | null;
  measuredAfterUsdPerHour?: number | null;
}

export interface FleetService {
  /** An agent's planning settings in, the latest plan the control plane made for its host out (null: none yet). */
  exchangePlan(host: HostRecord, planning: PlanningContext): Promise<HostPlanRecord | null>;
  /** Outcomes an agent reports; returns how many matched a plan of its host. */
  reportOutcomes(host: HostRecord, outcomes: PlanOutcome[]): Promise<number>;
  /** The operator's pending request for the host (a plan made on it, not reported on yet), or null. */
  pendingRequest(host: HostRecord, since: number): Promise<HostPlanRecord | null>;
  addHost(name: string, createdBy: string | null): Promise<{ host: HostView; key: string }>;
  revokeHost(name: string): Promise<HostView>;
  listHosts(): Promise<HostView[]>;
  /** The host an agent key belongs to (live keys only), or null. */
  authenticateAgent(authorization: string | undefined): Promise<HostRecord | null>;
  ingest(host: HostRecord, batch: IngestBatch): Promise<IngestAnswer>;
  /** A live or revoked host by name; 404 naming it when unknown. */
  host(name: string): Promise<HostRecord>;
  latest(name: string): Promise<Snapshot | null>;
  /** The host's agent's last status summary and when it arrived; null when it never sent one (agents before 0.3.0). */
  agentStatus(host: HostRecord): Promise<{ status: AgentStatus; reportedAt: number } | null>;
  history(host: HostRecord, range: TimeRange & { stepMs: number }): Promise<{ points: SnapshotPoint[] }>;
  /** A host's history in the local history's shape: host points and protocol points (`stepMs` omitted: raw). */
  fullHistory(host: HostRecord, query: HistoryQuery): Promise<{ points: SnapshotPoint[]; protocols: ProtocolPoint[] }>;
}

export function createFleetService(deps: {
  repo: FleetRepository;
  clock: Clock;
  settings: () => FleetSettings;
  /** Plans per host (decisions on the control plane); without it agents get no plans. */
  plans?: HostPlansRepository;
  /** Each host's latest energy figures (net USD/h in the hosts list). */
  energy?: Pick<HostEnergyRepository, 'allNow'>;
  /** The replicas' leases, to show which one decides for each host. */
  leases?: Pick<LeaseRepository, 'list'>;
  /** Told of every batch stored (not of duplicates): the fleet's live feed. */
  onIngest?: (report: HostReportEvent) => void;
}): FleetService {
  const { repo, clock } = deps;

  /** Net USD/h per host id at its latest energy point (hosts whose agents send energy). */
  const nets = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const [id, now] of (await deps.energy?.allNow()) ?? []) {
      const net = (JSON.parse(now.viewJson) as { netUsdPerHour?: unknown }).netUsdPerHour;
      if (typeof net === 'number') out.set(id, net);
    }
    return out;
  };
  const view = async (
    h: HostRecord,
    leases?: Map<string, { holder: string; fence: number; expiresAt: number }>,
    net?: Map<string, number>,
  ): Promise<HostView> => {
    const latest = await repo.latest(h.id);
    const now = clock.now();
    const lease = leases?.get(hostLease(h.name));
    const health: HostHealth =
      h.revokedAt !== null
        ? 'revoked'
        : h.lastSeenAt === null
          ? 'never-seen'
          : now - h.lastSeenAt > deps.settings().silentAfterMs
            ? 'silent'
            : 'ok';
    return {
      name: h.name,
      createdAt: h.createdAt,
      lastSeenAt: h.lastSeenAt,
      health,
      agentVersion: h.agentVersion,
      spool: h.spool,
      usdPerHour: latest ? latest.protocols.reduce((sum, p) => sum + p.usdPerHour, 0) : null,
      netUsdPerHour: net?.get(h.id) ?? null,
      protocols: latest?.protocols.length ?? 0,
      connected: latest?.protocols.filter((p) => p.connected).length ?? 0,
      revokedAt: h.revokedAt,
      decidedBy: lease && lease.expiresAt > now ? { replica: lease.holder, fence: lease.fence, until: lease.expiresAt } : null,
    };
  };
  const leaseMap = async () => new Map((await (deps.leases?.list(HOST_LEASE_PREFIX) ?? Promise.resolve([]))).map((l) => [l.name, l]));

  const host = async (name: string): Promise<HostRecord> => {
    const h = await repo.findHostByName(name);
    if (!h) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${name}" (orcha host add ${name} creates one)`);
    return h;
  };

  return {
    async exchangePlan(h, planning) {
      if (!deps.plans) return null;
      await deps.plans.setPlanning(h.id, planning);
      return deps.plans.latest(h.id);
    },
    async pendingRequest(h, since) {
      return deps.plans ? deps.plans.pendingRequest(h.id, since) : null;
    },
    async reportOutcomes(h, outcomes) {
      let matched = 0;
      for (const o of outcomes) {
        const outcome = {
          status: o.status,
          reason: o.reason,
          reallocationId: o.reallocationId,
          reportedAt: o.at,
          measuredBeforeUsdPerHour: o.measuredBeforeUsdPerHour ?? null,
          measuredAfterUsdPerHour: o.measuredAfterUsdPerHour ?? null,
        };
        if (await deps.plans?.report(h.id, o.planId, outcome)) matched++;
      }
      return matched;
    },
    async addHost(name, createdBy) {
      if (!HOST_NAME.test(name)) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', 'Invalid host name', [
          { path: 'name', message: 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters' },
        ]);
      }
      if (await repo.findHostByName(name)) throw new OrchaError('ORCHA_ERR_CONFLICT', `A host named "${name}" exists already`);
      if (name === deps.settings().localName) {
        throw new OrchaError('ORCHA_ERR_CONFLICT', `"${name}" is this machine's own name in the fleet (fleet.localName, else its hostname); give the agent's host another name`);
      }
      const key = generateAgentKey();
      const record: HostRecord = {
        id: randomUUID(),
        name,
        keyPrefix: key.prefix,
        keyHash: key.hash,
        createdAt: clock.now(),
        createdBy,
        revokedAt: null,
        lastSeenAt: null,
        agentVersion: null,
        spool: null,
      };
      await repo.createHost(record);
      return { host: await view(record), key: key.key };
    },
    async revokeHost(name) {
      const h = await host(name);
      if (h.revokedAt !== null) throw new OrchaError('ORCHA_ERR_CONFLICT', `The agent key of host "${name}" is revoked already`);
      const at = clock.now();
      await repo.revokeHost(h.id, at);
      return view({ ...h, revokedAt: at }, undefined, await nets());
    },
    async listHosts() {
      const leases = await leaseMap();
      const net = await nets();
      return Promise.all((await repo.listHosts()).map((h) => view(h, leases, net)));
    },
    async authenticateAgent(authorization) {
      if (typeof authorization !== 'string') return null;
      const prefix = agentKeyPrefix(authorization);
      if (!prefix) return null;
      const h = await repo.findHostByPrefix(prefix);
      if (!h || h.revokedAt !== null || !agentKeyMatches(authorization, h.keyHash)) return null;
      return h;
    },
    async ingest(h, batch) {
      const receivedAt = clock.now();
      const raw = deps.settings().rawRetentionMs;
      // An hour of slack over rawDays: replicas' clocks and the hour retention floors its cutoff to.
      const energy = (batch.energy ?? []).map((p) => ({ record: energyRecordOf(p), viewJson: JSON.stringify(p.view) }));
      const options = { ...(raw === undefined ? {} : { lockBefore: receivedAt - raw + 3_600_000 }), energy };
      const { result, stored, expired } = await repo.ingest(h.id, batch.batchId, batch.snapshots, receivedAt, options);
      const now = clock.now();
      const spool = batch.spool ? spoolReport(h.spool, batch.spool, now) : undefined;
      await repo.touchHost(h.id, now, batch.agentVersion, spool, batch.status ? JSON.stringify(batch.status) : undefined);
      if (result === 'stored' && stored > 0 && deps.onIngest) {
        const latest = batch.snapshots.reduce((a, b) => (b.time > a.time ? b : a));
        deps.onIngest({ host: h.name, batchId: batch.batchId, snapshots: stored, latest });
      }
      return { result, snapshots: batch.snapshots.length, expired };
    },
    host,
    async latest(name) {
      return repo.latest((await host(name)).id);
    },
    async agentStatus(h) {
      const row = await repo.agentStatus(h.id);
      if (!row) return null;
      let status: unknown;
      try {
        status = JSON.parse(row.json);
      } catch {
        return null;
      }
      // Validated at ingest; a row written by another version that no longer fits is treated as none.
      return Value.Check(AgentStatusSchema, status) ? { status, reportedAt: row.reportedAt } : null;
    },
    async history(h, range) {
      return { points: await repo.history(h.id, range) };
    },
    async fullHistory(h, query) {
      const [points, protocols] = await Promise.all([repo.history(h.id, query), repo.protocolHistory(h.id, query)]);
      return { points, protocols };
    },
  };
}

/**
 * The spool as the control plane keeps it: `growingSince` starts at the first report above the previous one, holds
 * while the count does not shrink, and ends when it shrinks (the agent is catching up) or the spool is empty.
 */
export function spoolReport(previous: HostSpool | null, reported: { pending: number; oldestAt: number | null }, now: number): HostSpool {
  const pending = reported.pending;
  let growingSince: number | null = null;
  if (pending > 0 && previous) {
    if (pending > previous.pending) growingSince = previous.growingSince ?? now;
    else if (pending === previous.pending) growingSince = previous.growingSince;
  }
  return { pending, oldestAt: pending > 0 ? reported.oldestAt : null, growingSince, reportedAt: now };
}
