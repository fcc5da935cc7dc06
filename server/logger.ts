import { pino, type Logger } from 'pino';
import { maskCredentials } from '../media/camera-source.ts';

export type { Logger };

/**
 * Errors are logged without what may be secret in them: the parameters of a failed query (a password
 * hash, a token's hash) that Drizzle appends to its message, and passwords inside URLs.
 */
export function redactError(err: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return maskCredentials(value.replace(/\nparams: .*/g, '\nparams: (not logged)'));
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => k !== 'params')
          .map(([k, v]) => [k, clean(v)]),
      );
    return value;
  };
  return clean(serialized) as Record<string, unknown>;
}

/** What a request log line must never carry: the session cookie, a maintenance or API token. */
export const REDACTED_PATHS = ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'watchpost' }, serializers: { err: redactError }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
