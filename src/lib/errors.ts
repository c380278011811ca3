/**
 * The catalog of coded errors. The HTTP layer maps `status` to responses in one place (http/errors.ts),
 * the CLI maps codes to exit codes in one place (cli/exit.ts). Every code is documented in docs/errors.md.
 */
export const ERROR_CATALOG = {
  ORCHA_ERR_VALIDATION: { status: 400, message: 'Invalid input' },
  ORCHA_ERR_CONFIG_INVALID: { status: 400, message: 'Configuration is invalid' },
  ORCHA_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  ORCHA_ERR_FORBIDDEN: { status: 403, message: 'Not allowed for this role' },
  ORCHA_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  ORCHA_ERR_CONFLICT: { status: 409, message: 'Conflict with the current state' },
  ORCHA_ERR_HOLD_NOT_PASSED: { status: 409, message: 'Minimum hold time has not passed' },
  ORCHA_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  ORCHA_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  ORCHA_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  ORCHA_ERR_QUEUE_FULL: { status: 503, message: 'Operation queue is full' },
  ORCHA_ERR_DEPENDENCY_DOWN: { status: 503, message: 'A dependency is unavailable' },
  ORCHA_ERR_TIMEOUT: { status: 504, message: 'Timed out' },
  ORCHA_ERR_ADAPTER_HTTP: { status: 502, message: 'Node answered with an HTTP error' },
  ORCHA_ERR_ADAPTER_SCHEMA: { status: 502, message: 'Node response does not match the expected schema' },
  ORCHA_ERR_ADAPTER_UNREACHABLE: { status: 502, message: 'Node is unreachable' },
  ORCHA_ERR_ADAPTER_AUTH: { status: 502, message: 'Node refused our credentials' },
  ORCHA_ERR_ADAPTER_RATE_LIMITED: { status: 502, message: 'Node or cloud API rate-limited us' },
  ORCHA_ERR_ADAPTER_LIMIT: { status: 502, message: 'Node answer exceeded a read bound (size, redirects or nesting)' },
  ORCHA_ERR_EXECUTOR: { status: 502, message: 'Executor failed to apply a change' },
  ORCHA_ERR_INFEASIBLE: { status: 422, message: 'No allocation satisfies the policies' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface FieldError {
  /** JSON-pointer-like path: `protocols[1].endpoint`, `body.dryRun`, `query.from`. */
  path: string;
  message: string;
}

export class OrchaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERROR_CATALOG[code].message, options);
    this.name = 'OrchaError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = details;
  }
}

export function isOrchaError(err: unknown, code?: ErrorCode): err is OrchaError {
  return err instanceof OrchaError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
