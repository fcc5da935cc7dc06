/**
 * The web app's REST types are generated from the server's OpenAPI description: the committed file must
 * be what the generator makes of today's routes (run `npm run api:types` after changing a response).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeApi } from '../server/http/app.ts';
import { generateApiTypes, generatedTypesFile } from '../scripts/api-types.ts';

describe('the web app REST types', () => {
  it('are generated from the current OpenAPI description', () => {
    const committed = fs.readFileSync(generatedTypesFile, 'utf8');
    expect(committed, 'web/src/api/generated.ts is out of date: run npm run api:types').toBe(generateApiTypes(describeApi()));
  });

  it('name every response shape the web app uses, nullable and optional fields as the server states them', () => {
    const source = generateApiTypes({
      components: {
        schemas: {
          Sample: {
            type: 'object',
            properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time', nullable: true }, note: { type: 'string' }, kind: { type: 'string', enum: ['a', 'b'] } },
            required: ['id', 'at', 'kind'],
          },
          Either: { oneOf: [{ $ref: '#/components/schemas/Sample' }, { type: 'array', items: { type: 'integer' } }] },
        },
      },
    });
    expect(source).toContain('export type Either = Sample | Array<number>;');
    expect(source).toContain('export type Sample = {\n  id: string;\n  at: string | null;\n  note?: string;\n  kind: "a" | "b";\n};');
    const names = [...generateApiTypes(describeApi()).matchAll(/^export type (\w+) =/gm)].map((m) => m[1]);
    for (const name of [
      'Alarm',
      'ArchiveEntry',
      'Booking',
      'Camera',
      'Declaration',
      'Delegation',
      'LoadingBatch',
      'Officer',
      'Principal',
      'Recording',
      'TimelineEvent',
      'User',
      'Verdict',
      'Verification',
    ]) {
      expect(names).toContain(name);
    }
  });
});
