/** What an enterprise owes customs after the fact: rectifications and their follow-up, and the annual report. */
import { z } from 'zod';
import type { Api } from './api.ts';
import { uuidParam } from './common.schemas.ts';
import { rectificationStatuses, rectificationStepKinds } from '../db/schema.ts';
import type { RectificationService } from '../services/rectifications.service.ts';
import { annualReportContents, type AnnualReportService } from '../services/annual-reports.service.ts';

const rectificationFields = {
  id: z.uuid(),
  sessionId: z.uuid(),
  enterpriseId: z.uuid(),
  enterpriseName: z.string(),
  portId: z.uuid(),
  declarationId: z.uuid(),
  declarationNumber: z.string(),
  required: z.string(),
  dueOn: z.string().meta({ description: 'the last day (the port’s) to put it right' }),
  status: z.enum(rectificationStatuses),
  overdue: z.boolean().meta({ description: 'still open after its due day' }),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
};
const rectificationSummary = z.object(rectificationFields).meta({ id: 'RectificationSummary' });
const rectification = z
  .object({ ...rectificationFields, steps: z.array(z.object({ kind: z.enum(rectificationStepKinds), text: z.string(), actor: z.string().nullable(), at: z.string() })) })
  .meta({ id: 'Rectification' });

const filedReport = z.object({ year: z.number(), contents: annualReportContents, submittedAt: z.string(), submittedBy: z.string(), late: z.boolean() });
const annualReportStatus = z
  .object({
    year: z.number().meta({ description: 'the year now reported on' }),
    dueOn: z.string(),
    overdue: z.boolean(),
    submitted: filedReport.nullable(),
    past: z.array(filedReport),
  })
  .meta({ id: 'AnnualReportStatus' });

export function complianceRoutes(api: Api, deps: { rectifications: RectificationService; annualReports: AnnualReportService }) {
  const { rectifications, annualReports } = deps;
  api.route(
    {
      method: 'get',
      path: '/rectifications',
      summary: "Rectifications: the enterprise's own, an officer's port's, every one for supervisors (open first, by due day)",
      tag: 'desk',
      access: 'any',
      query: z.object({ status: z.enum(rectificationStatuses).optional(), enterpriseId: z.uuid().optional() }),
      response: z.array(rectificationSummary),
    },
    ({ principal, query }) => rectifications.list(principal, query),
  );
  api.route(
    { method: 'get', path: '/rectifications/:id', summary: 'A rectification and its follow-up', tag: 'desk', access: 'any', params: uuidParam, response: rectification },
    ({ principal, params }) => rectifications.get(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/rectifications/:id/report',
      summary: 'The enterprise reports what it did to put it right; the port’s officers are told',
      tag: 'desk',
      access: ['enterprise_user', 'broker'],
      params: uuidParam,
      body: z.object({ text: z.string().trim().min(1).max(5000) }).strict(),
      response: rectification,
    },
    ({ principal, params, body }) => rectifications.report(principal, params.id, body.text),
  );
  api.route(
    {
      method: 'post',
      path: '/rectifications/:id/review',
      summary: 'An officer of the port accepts the reported rectification, or returns it with what is still to be done; the enterprise is told',
      tag: 'desk',
      access: ['officer'],
      params: uuidParam,
      body: z.object({ accept: z.boolean(), note: z.string().trim().max(5000).default('') }).strict(),
      response: rectification,
    },
    ({ principal, params, body }) => rectifications.review(principal, params.id, body),
  );
  api.route(
    {
      method: 'get',
      path: '/enterprises/:id/annual-report',
      summary: "An enterprise's annual report: the year now reported on, its due day, what was filed",
      tag: 'desk',
      access: 'any',
      params: uuidParam,
      response: annualReportStatus,
    },
    ({ principal, params }) => annualReports.status(principal, params.id),
  );
  api.route(
    {
      method: 'put',
      path: '/enterprises/:id/annual-report/:year',
      summary: 'The enterprise files its annual report (or corrects it until the due day)',
      tag: 'desk',
      access: ['enterprise_user', 'broker'],
      params: z.object({ id: z.uuid(), year: z.coerce.number().int().min(2000).max(2100) }),
      body: annualReportContents,
      response: annualReportStatus,
    },
    ({ principal, params, body }) => annualReports.submit(principal, params.id, params.year, body),
  );
  api.route(
    {
      method: 'get',
      path: '/annual-reports/overdue',
      summary: 'Enterprises (an officer’s port’s, or all) whose annual report is overdue',
      tag: 'desk',
      access: ['officer', 'supervisor', 'admin'],
      response: z
        .object({ year: z.number(), dueOn: z.string(), enterprises: z.array(z.object({ id: z.uuid(), name: z.string(), customsCode: z.string(), riskClass: z.string() })) })
        .meta({ id: 'OverdueAnnualReports' }),
    },
    ({ principal }) => annualReports.overdue(principal),
  );
}
