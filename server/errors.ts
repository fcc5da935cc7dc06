/**
 * Typed errors the services throw. The HTTP layer turns them into a status code plus a stable,
 * machine-readable `code`; socket handlers put the same code in their acknowledgement.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'account_locked'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'officer_double_booked'
  | 'slot_invalid'
  | 'range_not_satisfiable'
  | 'unavailable'
  | 'camera_unreachable'
  | 'invalid_image'
  | 'payload_too_large'
  | 'cross_site_request'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal_error';

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  account_locked: 423,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  officer_double_booked: 409,
  slot_invalid: 422,
  range_not_satisfiable: 416,
  unavailable: 503,
  camera_unreachable: 502,
  invalid_image: 400,
  payload_too_large: 413,
  cross_site_request: 403,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = statusByCode[code];
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') => new AppError('forbidden', message);
