/** Earnings reports (`GET reports`): periods the server answers as an operation (over 7 days) are awaited. */
import type { Api } from './api';

export interface ReportTotals {
  totalUsd: number;
  protocols: { protocol: string; token: string; usd: number; tokens: number; payoutEvents: number }[];
}

export async function fetchReport(api: Api, from: number, to: number): Promise<ReportTotals> {
  type Answer = ReportTotals & { operationId?: string };
  const q = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const first = await api.get<Answer>('reports', q);
  if (!first.operationId) return first;
  const op = await api.get<{ status?: string; result?: Answer; error?: string }>(`operations/${encodeURIComponent(first.operationId)}/result`, { timeout: 30 });
  if (op.status !== 'completed' || !op.result) throw new Error(op.error ?? `report ${op.status ?? 'unfinished'}`);
  return op.result;
}
