import { z } from 'zod';
import { declarationRecord } from '../contracts/records.ts';
import { isCalendarDay } from '../contracts/local-time.ts';
import type { Api } from './api.ts';
import { pageQuery, uuidParam } from './common.schemas.ts';
import type { DeclarationService } from '../services/declarations.service.ts';

export const declarationResponse = declarationRecord;

export function declarationRoutes(api: Api, declarations: DeclarationService) {
  api.route(
    {
      method: 'get',
      path: '/declarations',
      summary: 'Declarations the caller may see',
      tag: 'declarations',
      access: 'any',
      query: pageQuery.extend({ number: z.string().max(40).optional() }),
      response: z.object({ items: z.array(declarationResponse), total: z.number().int() }),
    },
    ({ principal, query }) => declarations.list(principal, query),
  );

  api.route({ method: 'get', path: '/declarations/:id', summary: 'One declaration', tag: 'declarations', access: 'any', params: uuidParam, response: declarationResponse }, ({ principal, params }) =>
    declarations.get(principal, params.id),
  );

  api.route(
    {
      method: 'post',
      path: '/declarations',
      summary: 'Register a declaration (enterprise, broker or administrator)',
      tag: 'declarations',
      access: ['enterprise_user', 'broker', 'admin'],
      body: z.object({
        number: z.string().regex(/^\d{18}$/, 'a declaration number has 18 digits'),
        enterpriseId: z.uuid(),
        portId: z.uuid(),
        siteId: z.uuid().nullable().optional(),
        goodsDescription: z.string().min(1).max(2000),
        declaredQuantity: z.number().positive().max(1e10),
        quantityUnit: z.string().min(1).max(20),
        sealNumbers: z
          .array(z.string().regex(/^[A-Za-z0-9 -]{4,30}$/, 'letters and digits'))
          .max(50)
          .default([]),
        validUntil: z
          .string()
          .refine(isCalendarDay, 'a day, YYYY-MM-DD')
          .nullable()
          .optional()
          .meta({ description: 'the last day (the port’s) the goods may be inspected on; the enterprise is reminded before it ends' }),
      }),
      response: declarationResponse,
      status: 201,
    },
    ({ principal, body }) => declarations.create(principal, body),
  );
}
