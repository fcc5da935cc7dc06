/**
 * A port's own licence plate formats, stated once: a pattern over the read (uppercase, without spaces or
 * separators), an example it must match, and whether look-alikes may be corrected towards it anywhere (only
 * for a layout nothing else at the port resembles). They come before the built-in formats
 * (inference/tasks/code-formats.ts) at the port's cameras; without a port, at every port.
 */
import { z } from 'zod';
import { cleanRead, plateRegex } from '../../inference/index.ts';

export const MAX_PLATE_FORMATS = 50;

const pattern = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((p) => {
    try {
      plateRegex(p);
      return true;
    } catch {
      return false;
    }
  }, 'Not a regular expression');

export const plateFormatInput = z
  .object({
    name: z.string().trim().min(1).max(60),
    pattern: pattern.meta({ description: 'A regular expression the whole read must match, e.g. M[A-Z][0-9]{4} for MA-12-34' }),
    example: z.string().trim().min(2).max(20).meta({ description: 'A plate of this format as printed: it must match the pattern' }),
    correctAnywhere: z.boolean().default(false),
    portId: z.uuid().nullable().default(null).meta({ description: 'The port it applies at; null: every port' }),
  })
  .refine(
    (f) => {
      try {
        return plateRegex(f.pattern).test(cleanRead(f.example));
      } catch {
        return false;
      }
    },
    { message: 'The example does not match the pattern', path: ['example'] },
  )
  .meta({ id: 'PlateFormatInput' });
export type PlateFormatInput = z.infer<typeof plateFormatInput>;

export interface PlateFormatView {
  id: string;
  portId: string | null;
  name: string;
  pattern: string;
  example: string;
  correctAnywhere: boolean;
  createdAt: Date;
}
