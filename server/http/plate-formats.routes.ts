import { z } from 'zod';
import type { Api } from './api.ts';
import { okResponse, uuidParam } from './common.schemas.ts';
import { plateFormatInput, type PlateFormatInput } from '../contracts/plate-formats.ts';
import type { PlateFormatService } from '../services/plate-formats.service.ts';

const plateFormat = z
  .object({ id: z.uuid(), portId: z.uuid().nullable(), name: z.string(), pattern: z.string(), example: z.string(), correctAnywhere: z.boolean(), createdAt: z.date() })
  .meta({ id: 'PlateFormat' });
const builtInFormat = z.object({ name: z.string(), pattern: z.string(), correctAnywhere: z.boolean() }).meta({ id: 'BuiltInPlateFormat' });

export function plateFormatRoutes(api: Api, formats: PlateFormatService) {
  api.route(
    {
      method: 'get',
      path: '/admin/plate-formats',
      summary: "The ports' own licence plate formats, and the built-in ones they come before",
      tag: 'admin',
      access: ['admin', 'supervisor'],
      response: z.object({ formats: z.array(plateFormat), builtIn: z.array(builtInFormat) }),
    },
    ({ principal }) => formats.list(principal),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/plate-formats',
      summary: 'Add a licence plate format at a port (or every port): read at its cameras from the next frame, no restart',
      tag: 'admin',
      access: ['admin'],
      status: 201,
      body: plateFormatInput,
      response: plateFormat,
    },
    ({ principal, body }) => formats.create(principal, body as PlateFormatInput),
  );
  api.route(
    { method: 'delete', path: '/admin/plate-formats/:id', summary: 'Delete a plate format', tag: 'admin', access: ['admin'], params: uuidParam, response: okResponse },
    async ({ principal, params }) => {
      await formats.remove(principal, params.id);
      return { ok: true as const };
    },
  );
}
