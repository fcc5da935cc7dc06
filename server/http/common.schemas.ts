import { z } from 'zod';

export const uuidParam = z.object({ id: z.uuid() });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const isoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const okResponse = z.object({ ok: z.literal(true) });
