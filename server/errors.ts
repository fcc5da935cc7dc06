/**
 * Typed errors the services throw, and the one mapping (`errorReply`) from any thrown thing to what the
 * caller is told: the HTTP layer answers its status and `{ error: { code, message } }`, socket handlers
 * put the same code in their acknowledgement. Anything unexpected is ours: logged, answered internal_error.
 */
import { ZodError } from 'zod';
import { MediaError, type MediaErrorCode } from '../media/index.ts';

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

/**
 * What exactly went wrong, finer than the code, for the web app to say in the reader's language
 * (`error.reason.<reason>` with `params`); the English `message` is for logs and API clients only.
 */
export const errorReasons = [
  'password_too_short',
  'password_unchanged',
  'current_password_wrong',
  'enterprise_required',
  'port_required',
  'username_taken',
  'broker_required',
  'reference_missing',
  'name_taken',
  'code_taken',
  'in_use',
  'account_locked_until',
  'cannot_disable_self',
  'site_not_of_enterprise',
  'declaration_number_taken',
  'declaration_already_booked',
  'camera_not_counting',
  'camera_not_live',
  'batch_already_open',
  'batch_closed',
  'batch_not_counted',
  'alarm_already_acknowledged',
  'alarm_already_cleared',
  'too_many_at_once',
  'findings_required',
  'slot_started',
  'slot_over',
  'slot_in_past',
  'slot_length',
  'slot_too_far',
  'no_show_before_slot',
  'too_early_to_start',
  'transition_not_allowed',
  'not_acting_for_enterprise',
  'session_not_sealed',
  'package_not_ready',
  'text_contains_nul',
  'photo_missing',
  'declaration_without_site',
  'loading_record_open',
  'loading_record_decided',
  'loading_record_full',
  'check_done',
  'deck_open',
  'no_open_deck',
  'reason_required',
  'no_sub_stream',
  'camera_silent',
  'hold_released',
  'too_many_zones',
  'too_many_plate_formats',
  'model_file_changed',
  'no_analysed_frame',
  'label_task_mismatch',
  'sample_exists',
  'batch_open',
  'form_invalid',
  'form_version_not_next',
  'day_in_future',
  'day_too_old',
  'range_too_long',
  'form_submitted',
  'form_not_submitted',
  'form_changed',
  'import_format',
  'import_no_day_column',
  'import_running',
  'ticket_closed',
  'rectify_by_invalid',
  'note_required',
  'rectification_not_open',
  'rectification_not_reported',
  'declaration_expired',
  'annual_report_year',
  'annual_report_closed',
  'channel_not_configured',
  'code_sent_recently',
  'code_expired',
  'code_wrong',
  'contact_unreachable',
  'service_account_taken',
  'api_key_missing',
  'api_key_invalid',
  'scope_missing',
  'rate_limited',
  'idempotency_key_invalid',
  'idempotency_key_reused',
  'batch_too_large',
] as const;
export type ErrorReason = (typeof errorReasons)[number];
export type ErrorParams = Record<string, string | number>;

export class AppError extends Error {
  readonly status: number;
  readonly reason?: ErrorReason;
  readonly params?: ErrorParams;
  readonly details?: unknown;
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: { reason?: ErrorReason; params?: ErrorParams; details?: unknown } = {},
  ) {
    super(message);
    this.status = statusByCode[code];
    this.reason = extra.reason;
    this.params = extra.params;
    this.details = extra.details;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') => new AppError('forbidden', message);

const statusByMediaCode: Record<MediaErrorCode, number> = {
  transport_not_found: 404,
  producer_not_found: 404,
  camera_silent: 409,
  consumer_not_found: 404,
  cannot_consume: 400,
  not_allowed: 403,
  room_closed: 409,
  too_many: 429,
  invalid_parameters: 400,
};

export interface ErrorReply {
  status: number;
  code: string;
  reason?: ErrorReason;
  params?: ErrorParams;
  message: string;
  details?: unknown;
}

/** What the caller is told about `err`; null when it is not the caller's doing (a bug or an outage of ours). */
export function errorReply(err: unknown): ErrorReply | null {
  if (err instanceof AppError) return { status: err.status, code: err.code, reason: err.reason, params: err.params, message: err.message, details: err.details };
  if (err instanceof MediaError) return { status: statusByMediaCode[err.code], code: err.code, message: err.message };
  if (err instanceof ZodError) {
    return {
      status: 400,
      code: 'validation_failed',
      message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      details: err.issues.map((i) => ({ path: i.path, message: i.message, code: i.code })),
    };
  }
  // What express's body parser refuses is the client's doing.
  const e = err as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown; limit?: unknown } | null;
  if (e?.type === 'entity.parse.failed') return { status: 400, code: 'bad_request', message: 'The request body is not valid JSON' };
  if (e?.type === 'entity.too.large') {
    return { status: 413, code: 'payload_too_large', message: `The request body is larger than ${typeof e.limit === 'number' ? `${e.limit} bytes` : 'allowed'}` };
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return { status: 415, code: 'unsupported_media_type', message: String(e.message) };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) return { status: 400, code: 'bad_request', message: String(e.message) };
  return null;
}

/** Every code a caller can be answered with, over HTTP or a socket (the web app has a message for each). */
export const answerableCodes = [...Object.keys(statusByCode), ...Object.keys(statusByMediaCode)];

export const internalErrorReply: ErrorReply = { status: 500, code: 'internal_error', message: 'Something went wrong on the server' };
