import { z } from 'zod';
import type { Api } from './api.ts';
import { modelCard } from '../../inference/model-versions.ts';
import type { ModelVersionService } from '../services/model-versions.service.ts';

const card = modelCard.meta({ id: 'ModelCard' });

export function modelRoutes(api: Api, models: ModelVersionService) {
  api.route(
    {
      method: 'get',
      path: '/admin/models',
      summary: "The installed versions of the counting model with their cards (training, held-out figures, how each was chosen), the active one, and the text reader's version",
      tag: 'admin',
      access: ['admin', 'supervisor'],
      response: z.object({ count: z.object({ active: z.string(), default: z.string(), versions: z.array(card) }), text: z.string() }),
    },
    ({ principal }) => models.list(principal),
  );
  api.route(
    {
      method: 'put',
      path: '/admin/models/count',
      summary: 'Make an installed version the counting model (or roll back): counted with from the next frame, without a restart; results name their version',
      tag: 'admin',
      access: ['admin'],
      body: z.object({ version: z.string().min(1).max(64) }),
      response: z.object({ active: z.string() }),
    },
    ({ principal, body }) => models.activate(principal, body.version),
  );
}
