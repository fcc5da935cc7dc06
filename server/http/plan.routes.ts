import { z } from 'zod';
import type { Api } from './api.ts';
import { calendarDay } from '../contracts/forms.ts';
import { planSettingsInput, RISK_CLASSES } from '../contracts/supervision-plan.ts';
import type { SupervisionPlanService } from '../services/supervision-plan.service.ts';

const portParam = z.object({ id: z.uuid() });
const visit = z.object({
  enterpriseId: z.uuid(),
  enterpriseName: z.string(),
  riskClass: z.enum(RISK_CLASSES),
  dueDay: z.string(),
  day: z.string(),
  slotStart: z.string(),
  slotEnd: z.string(),
  officerId: z.uuid(),
  officerName: z.string(),
});
const plan = z
  .object({
    port: z.object({ id: z.uuid(), name: z.string(), timeZone: z.string() }),
    settings: planSettingsInput,
    visits: z.array(visit),
    unplaced: z.array(z.object({ enterpriseId: z.uuid(), enterpriseName: z.string(), riskClass: z.enum(RISK_CLASSES), dueDay: z.string() })),
  })
  .meta({ id: 'SupervisionPlan' });

export function planRoutes(api: Api, plans: SupervisionPlanService) {
  api.route(
    {
      method: 'get',
      path: '/ports/:id/plan-settings',
      summary: 'How often each risk class is supervised at the port, and its working calendar',
      tag: 'plan',
      access: ['officer', 'supervisor', 'admin'],
      params: portParam,
      response: planSettingsInput,
    },
    ({ principal, params }) => plans.settings(principal, params.id),
  );
  api.route(
    {
      method: 'put',
      path: '/admin/ports/:id/plan-settings',
      summary: "Set the port's supervision frequency per risk class and its working calendar (audited)",
      tag: 'plan',
      access: ['admin'],
      params: portParam,
      body: planSettingsInput,
      response: planSettingsInput,
    },
    ({ principal, params, body }) => plans.saveSettings(principal, params.id, body),
  );
  api.route(
    {
      method: 'get',
      path: '/ports/:id/plan',
      summary: "The port's routine remote supervisions from one day to another (at most 31, the port's days): who, when, and what finds no room",
      tag: 'plan',
      access: ['officer', 'supervisor', 'admin'],
      params: portParam,
      query: z.object({ from: calendarDay, to: calendarDay }),
      response: plan,
    },
    ({ principal, params, query }) => plans.plan(principal, params.id, query.from, query.to),
  );
}
