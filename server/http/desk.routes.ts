/** The enterprise's desk with customs: problem tickets and policy notices. */
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { z } from 'zod';
import type { Api } from './api.ts';
import { AppError } from '../errors.ts';
import { uuidParam } from './common.schemas.ts';
import { rectificationStatuses, riskClasses, siteKinds, ticketStatuses, ticketSubjects } from '../db/schema.ts';
import { MAX_ATTACHMENT_BYTES, type TicketService } from '../services/tickets.service.ts';
import type { NoticeService } from '../services/notices.service.ts';
import type { EnterpriseRecordService } from '../services/enterprise-record.service.ts';

const ticketSummary = {
  id: z.uuid(),
  enterpriseId: z.uuid(),
  enterpriseName: z.string(),
  portId: z.uuid(),
  subject: z.enum(ticketSubjects),
  subjectId: z.uuid().nullable(),
  title: z.string(),
  status: z.enum(ticketStatuses),
  createdAt: z.string(),
  updatedAt: z.string(),
  firstAnsweredAt: z.string().nullable(),
  minutesToAnswer: z.number().nullable(),
  closedAt: z.string().nullable(),
};
const ticketListItem = z.object(ticketSummary).meta({ id: 'TicketSummary' });
const ticket = z
  .object({
    ...ticketSummary,
    messages: z.array(
      z.object({
        id: z.number(),
        text: z.string(),
        attachment: z.object({ name: z.string(), contentType: z.string(), size: z.number(), sha256: z.string() }).nullable(),
        author: z.string(),
        fromCustoms: z.boolean(),
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'Ticket' });

const localeText = z.object({ title: z.string().trim().min(1).max(200), body: z.string().trim().min(1).max(10_000) }).strict();
const notice = z
  .object({
    id: z.uuid(),
    portId: z.uuid().nullable(),
    riskClasses: z.array(z.string()),
    siteKinds: z.array(z.string()),
    texts: z.object({ 'zh-CN': localeText.optional(), en: localeText.optional(), ru: localeText.optional() }),
    publishedAt: z.string(),
    acknowledgedAt: z.string().nullable().meta({ description: 'for an enterprise: when it acknowledged the notice' }),
    acknowledged: z.number().nullable().meta({ description: 'for customs: how many enterprises acknowledged it' }),
    enterprises: z.number().nullable().meta({ description: 'when published: how many enterprises it went to' }),
  })
  .meta({ id: 'Notice' });

/** Attachments kept and served as they came only when of these types; anything else is served as bytes to save. */
const SAFE_TYPES = new Set(['image/jpeg', 'image/png', 'application/pdf']);

const enterpriseRecord = z
  .object({
    enterprise: z.object({ id: z.uuid(), name: z.string(), customsCode: z.string(), riskClass: z.enum(riskClasses), registeredAt: z.string() }),
    riskHistory: z.array(z.object({ at: z.string(), riskClass: z.string() })),
    sites: z.array(z.object({ id: z.uuid(), name: z.string(), kind: z.enum(siteKinds), portName: z.string().nullable(), cameras: z.number() })),
    declarations: z.object({ total: z.number(), latest: z.array(z.object({ id: z.uuid(), number: z.string(), goods: z.string(), portName: z.string(), createdAt: z.string() })) }),
    inspections: z.array(
      z.object({
        bookingId: z.uuid(),
        sessionId: z.uuid().nullable(),
        declarationId: z.uuid(),
        declarationNumber: z.string(),
        type: z.string(),
        status: z.string(),
        slotStart: z.string(),
        outcome: z.string().nullable(),
        findings: z.string().nullable(),
        followUp: z.string().nullable(),
        decidedAt: z.string().nullable(),
      }),
    ),
    openRectifications: z.array(
      z.object({ id: z.uuid(), sessionId: z.uuid(), declarationNumber: z.string(), required: z.string(), dueOn: z.string(), status: z.enum(rectificationStatuses), overdue: z.boolean() }),
    ),
  })
  .meta({ id: 'EnterpriseRecord' });

export function deskRoutes(api: Api, deps: { tickets: TicketService; notices: NoticeService; records: EnterpriseRecordService }) {
  const { tickets, notices } = deps;
  api.route(
    {
      method: 'get',
      path: '/enterprises/:id/record',
      summary: "An enterprise's record with customs: registration, risk class and its history, sites, declarations, inspections and outcomes, open rectifications",
      tag: 'desk',
      access: 'any',
      params: uuidParam,
      response: enterpriseRecord,
    },
    ({ principal, params }) => deps.records.record(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/tickets',
      summary: 'The enterprise raises a problem about a declaration, a booking (and its inspection) or in general at a port',
      tag: 'desk',
      access: ['enterprise_user', 'broker'],
      status: 201,
      body: z
        .object({
          enterpriseId: z.uuid(),
          subject: z.enum(ticketSubjects),
          subjectId: z.uuid().optional(),
          portId: z.uuid().optional(),
          title: z.string().trim().min(3).max(200),
          text: z.string().trim().min(1).max(10_000),
        })
        .strict(),
      response: ticket,
    },
    ({ principal, body }) => tickets.create(principal, body.enterpriseId, body),
  );
  api.route(
    {
      method: 'get',
      path: '/tickets',
      summary: "The caller's tickets: the enterprise's own, an officer's port's, every one for supervisors",
      tag: 'desk',
      access: 'any',
      query: z.object({ status: z.enum(ticketStatuses).optional() }),
      response: z.array(ticketListItem),
    },
    ({ principal, query }) => tickets.list(principal, query),
  );
  api.route({ method: 'get', path: '/tickets/:id', summary: 'A ticket and its thread', tag: 'desk', access: 'any', params: uuidParam, response: ticket }, ({ principal, params }) =>
    tickets.get(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/tickets/:id/messages',
      summary: "A message on a ticket (the enterprise's, or the port's officers' answer); the other side is told",
      tag: 'desk',
      access: ['enterprise_user', 'broker', 'officer'],
      params: uuidParam,
      body: z.object({ text: z.string().trim().min(1).max(10_000) }).strict(),
      response: ticket,
    },
    ({ principal, params, body }) => tickets.reply(principal, params.id, body.text),
  );
  api.route(
    {
      method: 'post',
      path: '/tickets/:id/attachments',
      summary: `Attach a file to a ticket (body: the file itself, at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB; ?name=)`,
      tag: 'desk',
      access: ['enterprise_user', 'broker', 'officer'],
      params: uuidParam,
      query: z.object({ name: z.string().trim().min(1).max(200) }),
      response: ticket,
    },
    async ({ principal, params, query, req }) => {
      const bytes = await new Promise<Buffer>((resolve, reject) =>
        express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES })(req, {} as never, (err?: unknown) => (err ? reject(err) : resolve(req.body as Buffer))),
      );
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new AppError('validation_failed', 'Send the file itself as the body', { reason: 'reference_missing' });
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      return tickets.reply(principal, params.id, '', { name: query.name, contentType: SAFE_TYPES.has(type) ? type : 'application/octet-stream', bytes });
    },
  );
  api.route(
    {
      method: 'get',
      path: '/tickets/:id/attachments/:messageId',
      summary: "A ticket's attachment",
      tag: 'desk',
      access: 'any',
      params: z.object({ id: z.uuid(), messageId: z.coerce.number().int().min(1) }),
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, res }) => {
      const file = await tickets.attachment(principal, params.id, params.messageId);
      // attachment() names the type from the file's extension (page.html: text/html): the stored type is set after it.
      res.attachment(file.name).set({ 'Content-Type': file.contentType, 'X-Content-Type-Options': 'nosniff' });
      await pipeline(await file.open(), res);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/tickets/:id/close',
      summary: 'Close a ticket (the enterprise or an officer of the port)',
      tag: 'desk',
      access: ['enterprise_user', 'broker', 'officer'],
      params: uuidParam,
      response: ticket,
    },
    ({ principal, params }) => tickets.close(principal, params.id),
  );

  api.route(
    {
      method: 'post',
      path: '/notices',
      summary: 'Publish a policy notice: to a port (an officer: their own) or all, to some risk classes and kinds of enterprise or all, in one or more languages',
      tag: 'desk',
      access: ['officer', 'supervisor', 'admin'],
      status: 201,
      body: z
        .object({
          portId: z.uuid().nullable(),
          riskClasses: z.array(z.enum(riskClasses)).max(4).default([]),
          siteKinds: z.array(z.enum(siteKinds)).max(3).default([]),
          texts: z.object({ 'zh-CN': localeText.optional(), en: localeText.optional(), ru: localeText.optional() }).strict(),
        })
        .strict(),
      response: notice,
    },
    ({ principal, body }) => notices.publish(principal, body),
  );
  api.route(
    {
      method: 'get',
      path: '/notices',
      summary: "The notices for the caller (an enterprise's, with its acknowledgement; customs' own, with counts)",
      tag: 'desk',
      access: 'any',
      response: z.array(notice),
    },
    ({ principal }) => notices.list(principal),
  );
  api.route(
    { method: 'post', path: '/notices/:id/acknowledge', summary: 'The enterprise has read the notice (once)', tag: 'desk', access: ['enterprise_user', 'broker'], params: uuidParam, response: notice },
    ({ principal, params }) => notices.acknowledge(principal, params.id),
  );
}
