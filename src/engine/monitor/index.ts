export { type AlertChange, type AlertEvent, type AlertService, type AlertServiceDeps, createAlertService } from './alerts.js';
export { type AdapterStatus, type CoordinatorStatus, hostPressure } from './alert-rules.js';
export {
  EXPORT_COLUMNS,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRow,
  NET_COLUMNS,
  type NetFields,
  exportChunks,
  exportContentType,
  exportHistory,
  exportStream,
} from './export.js';
export { createReportService, type PerformanceReport, type ReportService, trendOf } from './reports.js';
export { createRetentionJob, type RetentionJob, type RetentionResult } from './retention.js';
