import type { Report } from '../http/schemas/views.js';
import { OrchaError } from '../lib/errors.js';
import type { TimeRange } from '../store/types.js';
import type { ExportFiles } from './exports.js';
import type { OperationsService } from './operations.js';
import type { EngineService, ReportsService } from './types.js';

/** An operator's reallocation of a fleet host; resolves with what its agent reported (fleet/host-requests.ts). */
export type HostReallocate = (
  host: string,
  request: { dryRun: boolean; operationId: string; requestedBy: string | null },
  signal: AbortSignal,
  /** Frees the operation queue's slot once the plan is made, while the agent is awaited. */
  release?: () => void,
) => Promise<unknown>;

/** What the long-running operations do (`POST /reallocate`, `/reports`, `/export` and the CLI submit these). */
export function registerOperationHandlers(deps: {
  operations: OperationsService;
  engine: EngineService;
  reports: ReportsService;
  exports: ExportFiles;
  /** A fleet host's report (`params.host`), on a control plane. */
  hostReport?: (host: string, range: TimeRange) => Promise<Report>;
  /** A fleet host's reallocation (`params.host`): its agent decides on it; on a control plane. */
  hostReallocate?: HostReallocate;
}): void {
  const { operations } = deps;
  operations.register('reallocate', (params, ctx) => {
    const dryRun = params.dryRun === true;
    if (typeof params.host !== 'string') return deps.engine.decide({ dryRun, trigger: 'manual', requestedBy: null });
    if (!deps.hostReallocate) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${params.host}" (this server makes no plans for hosts)`);
    return deps.hostReallocate(params.host, { dryRun, operationId: ctx.operation.id, requestedBy: ctx.operation.createdBy }, ctx.signal, ctx.release);
  });
  operations.register('report', (params) => {
    const range = { from: Number(params.from), to: Number(params.to) };
    if (typeof params.host !== 'string') return deps.reports.generate(range);
    if (!deps.hostReport) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No host named "${params.host}" (this server has no fleet)`);
    return deps.hostReport(params.host, range);
  });
  operations.register('export', (params, ctx) =>
    deps.exports.write(
      ctx.operation.id,
      {
        from: Number(params.from),
        to: Number(params.to),
        stepMs: params.stepMs as number | undefined,
        protocol: params.protocol as string | undefined,
      },
      params.format === 'csv' ? 'csv' : 'json',
    ),
  );
}
