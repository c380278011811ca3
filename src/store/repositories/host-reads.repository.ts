/**
 * Reads about one remote host that its plans, alerts and samples answer (the read side of `?host=NAME` and
 * `GET /hosts/{name}/plans`): its plans newest first with their outcomes, paginated; the alerts about it (found by
 * their dedup keys, which name the host); the payouts its agent's samples confirmed (their own rows, migration 019,
 * kept past raw retention); per-protocol sums of its raw rows over a span, in SQL (reports).
 */
import { type Kysely, sql } from 'kysely';
import type { Alert } from '../../domain/alert.js';
import type { Payout } from '../../domain/payout.js';
import type { AlertsTable } from '../schema.js';
import type { AlertQuery, Dialect, PayoutQuery } from '../types.js';
import { toAlert } from './alerts.repository.js';
import { PAYOUT_EVENT_LIKE } from '../migrations/019-host-payouts.js';
import type { Span } from './range-plan.js';
import { type HostPlanRecord, type HostPlansTable, toRecord } from './host-plans.repository.js';

export interface HostPlanQuery {
  /** An outcome status the agent reported, or `planned`: no outcome reported yet. */
  status?: string;
  /** Plans made at or after (epoch ms). */
  since?: number;
  limit: number;
  offset: number;
}

export interface HostAlertQuery extends AlertQuery {
  /** Only alerts with one of these dedup keys (the fleet's alerts about a host are keyed `<type>:<host>`). */
  dedupKeys?: string[];
  /** With `dedupKeys`: also the alerts whose dedup key starts with this (a host's per-node alerts, `<type>:<host>:<node>`). */
  dedupKeyPrefix?: string;
  /** Leave out alerts of these types. */
  excludeTypes?: string[];
}

/** One protocol's raw samples over a span, summed (uptime summed too: divide by samples for the average). */
export interface ProtocolSums {
  protocol: string;
  samples: number;
  earnedUsd: number;
  earnedTokens: number;
  uptimeSum: number;
  /** Samples at which the counter dropped (a payout or a reset), as the agent's ledger flagged them. */
  payoutEvents: number;
}

export interface HostReadsRepository {
  /** Per protocol, the host's raw samples over [from, to) summed. */
  protocolSums(hostId: string, span: Span): Promise<ProtocolSums[]>;
  plans(hostId: string, query: HostPlanQuery): Promise<{ plans: HostPlanRecord[]; total: number }>;
  /**
   * Plans made in [from, to] that their agent reported on, counted by outcome status, and the sum of the measured
   * effects (after - before, USD/h) its agent reported for them (null when it reported none).
   */
  outcomeCounts(hostId: string, from: number, to: number): Promise<{ counts: Record<string, number>; measuredGainUsdPerHour: number | null }>;
  alerts(query: HostAlertQuery): Promise<Alert[]>;
  /** The payouts its agent's ledger confirmed (kept past raw retention), newest first. */
  payouts(hostId: string, query: PayoutQuery): Promise<Payout[]>;
  /** Per protocol, how many payouts its agent's ledger confirmed over [from, to). */
  payoutCounts(hostId: string, span: Span): Promise<Record<string, number>>;
}

interface Db {
  host_plans: HostPlansTable;
  alerts: AlertsTable;
  host_protocol_samples: { host_id: string; time: number; protocol: string; sample_json: string };
  host_payouts: { host_id: string; protocol: string; time: number; token: string; tokens: number; usd: number };
}

const toPlan = toRecord;

export function createHostReadsRepository(anyDb: Kysely<unknown>, dialect: Dialect): HostReadsRepository {
  const db = anyDb as Kysely<Db>;
  // Uptime has a column since migration 016; rows written before keep it in their JSON only.
  const uptime =
    dialect === 'postgres'
      ? sql.raw(`coalesce(uptime, (sample_json::json ->> 'uptime')::double precision)`)
      : sql.raw(`coalesce(uptime, json_extract(sample_json, '$.uptime'))`);
  return {
    async protocolSums(hostId, span) {
      const r = await sql<Record<string, unknown>>`select protocol, count(*) as samples, sum(earned_usd) as usd, sum(earned_tokens) as tokens,
        coalesce(sum(${uptime}), 0) as uptime,
        sum(case when sample_json like ${PAYOUT_EVENT_LIKE} then 1 else 0 end) as payouts from host_protocol_samples
        where host_id = ${hostId} and time >= ${span.from} and time < ${span.to} group by protocol`.execute(db);
      return r.rows.map((x) => ({
        protocol: String(x.protocol),
        samples: Number(x.samples),
        earnedUsd: Number(x.usd),
        earnedTokens: Number(x.tokens),
        uptimeSum: Number(x.uptime),
        payoutEvents: Number(x.payouts),
      }));
    },
    async plans(hostId, q) {
      let base = db.selectFrom('host_plans').where('host_id', '=', hostId);
      if (q.status === 'planned') base = base.where('outcome_status', 'is', null);
      else if (q.status !== undefined) base = base.where('outcome_status', '=', q.status);
      if (q.since !== undefined) base = base.where('created_at', '>=', q.since);
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
        base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
      ]);
      return { plans: rows.map(toPlan), total: Number(count.n) };
    },
    async outcomeCounts(hostId, from, to) {
      const rows = await db
        .selectFrom('host_plans')
        .select([
          'outcome_status',
          sql<number>`count(*)`.as('n'),
          sql<number | null>`sum(measured_after - measured_before)`.as('gain'),
          sql<number>`count(measured_after - measured_before)`.as('measured'),
        ])
        .where('host_id', '=', hostId)
        .where('created_at', '>=', from)
        .where('created_at', '<=', to)
        .where('outcome_status', 'is not', null)
        .groupBy('outcome_status')
        .execute();
      const measured = rows.reduce((a, r) => a + Number(r.measured), 0);
      return {
        counts: Object.fromEntries(rows.map((r) => [String(r.outcome_status), Number(r.n)])),
        measuredGainUsdPerHour: measured > 0 ? rows.reduce((a, r) => a + Number(r.gain ?? 0), 0) : null,
      };
    },
    async alerts(query) {
      let q = db.selectFrom('alerts').selectAll();
      if (query.dedupKeys !== undefined) {
        const keys = query.dedupKeys;
        const prefix = query.dedupKeyPrefix;
        if (prefix !== undefined) {
          // LIKE's wildcards in a host name (`_`) match only themselves.
          const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          q = q.where((w) => w.or([...(keys.length > 0 ? [w('dedup_key', 'in', keys)] : []), sql<boolean>`dedup_key like ${pattern} escape '\\'`]));
        } else {
          if (keys.length === 0) return [];
          q = q.where('dedup_key', 'in', keys);
        }
      }
      if (query.excludeTypes !== undefined && query.excludeTypes.length > 0) q = q.where('type', 'not in', query.excludeTypes);
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return [];
        q = q.where('status', 'in', statuses);
      }
      if (query.type !== undefined) q = q.where('type', '=', query.type);
      if (query.protocol !== undefined) q = q.where('protocol', '=', query.protocol);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit ?? 100)
        .offset(query.offset ?? 0)
        .execute();
      return rows.map(toAlert);
    },
    async payouts(hostId, query) {
      let q = db
        .selectFrom('host_payouts')
        .select(['protocol', 'token', 'time', 'tokens', 'usd'])
        .where('host_id', '=', hostId)
        .where('time', '>=', query.from)
        .where('time', '<', query.to);
      if (query.protocol !== undefined) q = q.where('protocol', '=', query.protocol);
      const rows = await q.orderBy('time', 'desc').limit(query.limit ?? 100).execute();
      return rows.map((r) => ({ protocol: r.protocol, token: r.token, time: Number(r.time), tokens: Number(r.tokens), usd: Number(r.usd) }));
    },
    async payoutCounts(hostId, span) {
      const rows = await db
        .selectFrom('host_payouts')
        .select(['protocol', sql<number>`count(*)`.as('n')])
        .where('host_id', '=', hostId)
        .where('time', '>=', span.from)
        .where('time', '<', span.to)
        .groupBy('protocol')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.protocol, Number(r.n)]));
    },
  };
}
