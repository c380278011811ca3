import type { OperationsService } from './operations.js';
import type { ExportFiles } from './exports.js';
import type { EngineService, ReportsService } from './types.js';

/** What the long-running operations do (`POST /reallocate`, `/reports`, `/export` and the CLI submit these). */
export function registerOperationHandlers(deps: {
  operations: OperationsService;
  engine: EngineService;
  reports: ReportsService;
  exports: ExportFiles;
}): void {
  const { operations } = deps;
  operations.register('reallocate', (params) =>
    deps.engine.decide({ dryRun: params.dryRun === true, trigger: 'manual', requestedBy: null }),
  );
  operations.register('report', (params) => deps.reports.generate({ from: Number(params.from), to: Number(params.to) }));
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
