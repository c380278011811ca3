/** Earnings reports (`GET reports`): periods the server answers as an operation (over 7 days) are awaited. */
import type { Api } from './api';
import type { Operation, OperationAcceptedAnswer, Report } from './server-types';

/** The report as the server answers it (its totals per protocol are what the views read). */
export type ReportTotals = Report;

/** `host`: a fleet host's report (any period, answered like this machine's). */
export async function fetchReport(api: Api, from: number, to: number, host?: string): Promise<ReportTotals> {
  const q = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), host };
  const first = await api.get<Report | OperationAcceptedAnswer>('reports', q);
  if (!('operationId' in first)) return first;
  const op = await api.get<Operation>(`operations/${encodeURIComponent(first.operationId)}/result`, { timeout: 30 });
  // A report operation's result is the report (src/app/operation-handlers.ts); the operation schema types it unknown.
  if (op.status !== 'completed' || !op.result) throw new Error(op.error ?? `report ${op.status}`);
  return op.result as Report;
}
