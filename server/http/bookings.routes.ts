import { z } from 'zod';
import type { Api } from './api.ts';
import { isoDateTime, pageQuery, uuidParam } from './common.schemas.ts';
import { bookingRecord, bookingStatuses, inspectionTypes } from '../contracts/records.ts';
import type { BookingService, BookingView } from '../services/bookings.service.ts';
import type { Principal } from '../services/access.ts';

const ENTERPRISE_SIDE = ['enterprise_user', 'broker'] as const;
const OFFICER = ['officer'] as const;

export const bookingResponse = bookingRecord;

const slotBody = z.object({ slotStart: isoDateTime, slotEnd: isoDateTime });
const reasonBody = z.object({ reason: z.string().max(1000).default('') });

export function bookingRoutes(api: Api, bookings: BookingService) {
  api.route(
    {
      method: 'post',
      path: '/bookings',
      summary: 'Request a remote inspection for a declaration',
      tag: 'bookings',
      access: ENTERPRISE_SIDE,
      body: slotBody.extend({
        declarationId: z.uuid(),
        type: z.enum(inspectionTypes),
        note: z.string().max(2000).optional(),
        vehiclePlate: z.string().trim().min(2).max(16).optional().meta({ description: 'The vehicle expected at the site, e.g. 粤Z·A123港' }),
      }),
      response: bookingResponse,
      status: 201,
    },
    ({ principal, body }) => bookings.request(principal, body),
  );

  api.route(
    {
      method: 'get',
      path: '/bookings',
      summary: 'Bookings the caller may see, by slot time',
      tag: 'bookings',
      access: 'any',
      query: pageQuery.extend({
        status: z
          .string()
          .optional()
          .transform((s) => (s ? s.split(',') : undefined))
          .pipe(z.array(z.enum(bookingStatuses)).optional()),
        from: isoDateTime.optional(),
        to: isoDateTime.optional(),
      }),
      response: z.object({ items: z.array(bookingResponse), total: z.number().int() }),
    },
    ({ principal, query }) => bookings.list(principal, query),
  );

  api.route({ method: 'get', path: '/bookings/:id', summary: 'One booking', tag: 'bookings', access: 'any', params: uuidParam, response: bookingResponse }, ({ principal, params }) =>
    bookings.get(principal, params.id),
  );

  const action = (
    path: string,
    summary: string,
    access: readonly ('enterprise_user' | 'broker' | 'officer')[],
    run: (principal: Principal, id: string, body: { reason: string }) => Promise<BookingView>,
  ) =>
    api.route({ method: 'post', path: `/bookings/:id/${path}`, summary, tag: 'bookings', access, params: uuidParam, body: reasonBody, response: bookingResponse }, ({ principal, params, body }) =>
      run(principal, params.id, body),
    );

  action('confirm', 'Officer: take the requested slot', OFFICER, (p, id) => bookings.confirm(p, id));
  action('accept', 'Enterprise: accept the slot an officer proposed', ENTERPRISE_SIDE, (p, id) => bookings.accept(p, id));
  action('cancel', 'Enterprise or officer: cancel', [...ENTERPRISE_SIDE, ...OFFICER], (p, id, b) => bookings.cancel(p, id, b.reason));
  action('no-show', 'Officer: the enterprise did not join', OFFICER, (p, id) => bookings.markNoShow(p, id));
  action('start', 'Officer: open the live inspection session', OFFICER, (p, id) => bookings.start(p, id));
  action('complete', 'Officer: close the inspection session', OFFICER, (p, id) => bookings.complete(p, id));

  api.route(
    {
      method: 'post',
      path: '/bookings/:id/propose',
      summary: 'Officer: propose another slot',
      tag: 'bookings',
      access: OFFICER,
      params: uuidParam,
      body: slotBody.extend({ reason: z.string().max(1000).optional() }),
      response: bookingResponse,
    },
    ({ principal, params, body }) => bookings.propose(principal, params.id, body),
  );
}
