import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/** Keys whose values are never written to logs, wherever they appear. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'jwtSecret',
  '*.jwtSecret',
  'credentials',
  '*.credentials',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  // security additions: nested secrets (config objects, request bodies), API keys, generated passwords
  '*.*.password',
  '*.*.token',
  '*.*.secret',
  '*.*.jwtSecret',
  '*.*.credentials',
  '*.*.refreshToken',
  '*.*.accessToken',
  'newPassword',
  '*.newPassword',
  'adminPassword',
  '*.adminPassword',
  'generatedPassword',
  '*.generatedPassword',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'protocols[*].credentials',
  '*.protocols[*].credentials',
  // database and Redis URLs may carry a password
  'storage.url',
  '*.storage.url',
  'redis.url',
  '*.redis.url',
];

export interface LoggerSettings {
  level?: string;
  /** Extra destination (tests capture output here). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.ORCHA_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: 'orcha' },
  };
  return settings.destination ? pino(options, settings.destination as DestinationStream) : pino(options);
}

/** A logger that writes nothing (tests, CLI one-shots). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
