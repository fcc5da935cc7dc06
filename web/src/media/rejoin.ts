/**
 * Joining again after a join failed for a passing reason: the session's media is being placed again (its
 * server was lost and is not yet known to be), the server failed inside, the answer did not come in time,
 * or too many messages. Anything else (no access, the session over) does not change by trying again.
 */
const PASSING_CODES = new Set(['room_closed', 'internal_error', 'too_many_requests']);
/** Waits before the next try: growing, then at most the last (a page left open keeps trying, never faster). */
const DELAYS_MS = [1000, 2000, 4000, 8000];

export function failedInPassing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? PASSING_CODES.has(code) : err instanceof Error && /timed out/.test(err.message);
}

/** How long to wait after the `failures`th failure in a row (counting from 0). */
export const rejoinDelayMs = (failures: number): number => DELAYS_MS[Math.min(failures, DELAYS_MS.length - 1)]!;
