import { z } from 'zod';

export const uuidParam = z.object({ id: z.uuid() });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const isoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const okResponse = z.object({ ok: z.literal(true) });

const fraction = z.number().min(0).max(1);
/** A point of a camera's picture as fractions of its width and height. */
export const picturePoint = z.tuple([fraction, fraction]);
/** A counting line drawn on a camera's picture (a loading batch's, a loading record deck's). */
export const countingLineInput = z
  .object({ a: picturePoint, b: picturePoint })
  .refine((l) => Math.hypot(l.a[0] - l.b[0], l.a[1] - l.b[1]) >= 0.05, { message: 'the line must be at least 5 % of the picture long' })
  .meta({ description: 'Line ends as fractions of the picture (0..1). Animals crossing from the right of a->b to its left count forward.' });
