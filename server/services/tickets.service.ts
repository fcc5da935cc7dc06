/**
 * Problem tickets between an enterprise and customs: the enterprise (or its broker) raises one about a
 * declaration, a booking (and its inspection) or in general at a port; the port's officers answer; each side
 * is told of the other's message (in-app notification, pushed live). `open` waits for customs, `answered`
 * for the enterprise; either closes it. Attachments are kept under the data directory with their sha256.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, declarations, enterprises, ports, ticketMessages, tickets, users, type ticketSubjects } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { isEnterpriseSide, mayRead, requireActsFor, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { sha256Hex } from '../../media/files.ts';
import type { DomainEvents } from './domain-events.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { announce, enterpriseUsers, portOfficers, storeNotifications } from './recipients.ts';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const MAX_MESSAGES = 500;

export interface TicketInput {
  subject: (typeof ticketSubjects)[number];
  subjectId?: string;
  /** For a general ticket: the port asked. */
  portId?: string;
  title: string;
  text: string;
}

export class TicketService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; store: EvidenceStore; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The enterprise raises a ticket; the port's officers are told. */
  async create(p: Principal, enterpriseId: string, input: TicketInput) {
    requireActsFor(p, enterpriseId);
    let portId: string;
    if (input.subject === 'general') {
      if (!input.portId) throw new AppError('validation_failed', 'A general question names the port asked', { reason: 'port_required' });
      const [port] = await this.deps.db.select({ id: ports.id }).from(ports).where(eq(ports.id, input.portId));
      if (!port) throw notFound('Port');
      portId = port.id;
    } else {
      if (!input.subjectId) throw new AppError('validation_failed', 'Name the declaration or booking', { reason: 'reference_missing' });
      const table = input.subject === 'declaration' ? declarations : bookings;
      const [subject] = await this.deps.db.select({ enterpriseId: table.enterpriseId, portId: table.portId }).from(table).where(eq(table.id, input.subjectId));
      if (!subject || subject.enterpriseId !== enterpriseId) throw notFound(input.subject === 'declaration' ? 'Declaration' : 'Booking');
      portId = subject.portId;
    }
    const now = this.clock();
    const officers = await portOfficers(this.deps.db, portId);
    const ticket = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(tickets)
        .values({ enterpriseId, portId, subject: input.subject, subjectId: input.subjectId ?? null, title: input.title, createdBy: p.userId, updatedAt: now })
        .returning();
      await tx.insert(ticketMessages).values({ ticketId: row!.id, authorId: p.userId, text: input.text, createdAt: now });
      await appendAudit(tx, { actorId: p.userId, action: 'ticket.create', entityType: 'ticket', entityId: row!.id, details: { subject: input.subject, subjectId: input.subjectId ?? null } }, now);
      await storeNotifications(tx, officers, 'ticket.raised', { ticketId: row!.id, title: input.title });
      return row!;
    });
    announce(this.deps.events, { userIds: officers, kind: 'ticket.raised', payload: { ticketId: ticket.id, title: input.title } });
    return this.get(p, ticket.id);
  }

  private async row(id: string) {
    const [row] = await this.deps.db.select().from(tickets).where(eq(tickets.id, id));
    if (!row) throw notFound('Ticket');
    return row;
  }

  /** Customs' side of a ticket: an officer of its port. */
  private answers = (p: Principal, t: { portId: string }) => p.role === 'officer' && p.portId === t.portId;

  /** A ticket the principal may read (else, as if there were none). */
  private async readableTicket(p: Principal, id: string) {
    const t = await this.row(id);
    if (!mayRead(p, { enterpriseId: t.enterpriseId, portId: t.portId })) throw notFound('Ticket');
    return t;
  }

  /** Who writes on a ticket (a message, closing it): the enterprise's side, or an officer of its port. */
  private requireParty(p: Principal, t: { enterpriseId: string; portId: string }, what: string) {
    if (isEnterpriseSide(p)) requireActsFor(p, t.enterpriseId);
    else if (!this.answers(p, t)) throw forbidden(`Officers of the port ${what} its tickets`);
  }

  async get(p: Principal, id: string) {
    const t = await this.readableTicket(p, id);
    const [enterprise] = await this.deps.db.select({ name: enterprises.name }).from(enterprises).where(eq(enterprises.id, t.enterpriseId));
    const messages = await this.deps.db
      .select({ id: ticketMessages.id, text: ticketMessages.text, attachment: ticketMessages.attachment, createdAt: ticketMessages.createdAt, author: users.displayName, authorRole: users.role })
      .from(ticketMessages)
      .innerJoin(users, eq(users.id, ticketMessages.authorId))
      .where(eq(ticketMessages.ticketId, id))
      .orderBy(asc(ticketMessages.id))
      .limit(MAX_MESSAGES);
    return {
      ...this.summary(t, enterprise?.name ?? ''),
      messages: messages.map((m) => ({
        id: m.id,
        text: m.text,
        attachment: m.attachment ? { name: m.attachment.name, contentType: m.attachment.contentType, size: m.attachment.size, sha256: m.attachment.sha256 } : null,
        author: m.author,
        fromCustoms: !['enterprise_user', 'broker'].includes(m.authorRole),
        createdAt: m.createdAt.toISOString(),
      })),
    };
  }

  private summary(t: typeof tickets.$inferSelect, enterpriseName: string) {
    return {
      id: t.id,
      enterpriseId: t.enterpriseId,
      enterpriseName,
      portId: t.portId,
      subject: t.subject,
      subjectId: t.subjectId,
      title: t.title,
      status: t.status,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
      firstAnsweredAt: t.firstAnsweredAt?.toISOString() ?? null,
      /** Minutes customs took to answer first. */
      minutesToAnswer: t.firstAnsweredAt ? Math.round((t.firstAnsweredAt.getTime() - t.createdAt.getTime()) / 60_000) : null,
      closedAt: t.closedAt?.toISOString() ?? null,
    };
  }

  /** The caller's tickets (the enterprise's, the port's, or every one for supervisors), newest activity first. */
  async list(p: Principal, filter: { status?: (typeof tickets.$inferSelect)['status'] }) {
    const conditions: Array<SQL | undefined> = [filter.status ? eq(tickets.status, filter.status) : undefined];
    if (isEnterpriseSide(p)) conditions.push(inArray(tickets.enterpriseId, p.enterpriseIds.length > 0 ? p.enterpriseIds : ['00000000-0000-0000-0000-000000000000']));
    else if (p.role === 'officer') conditions.push(eq(tickets.portId, p.portId ?? '00000000-0000-0000-0000-000000000000'));
    const rows = await this.deps.db
      .select({ ticket: tickets, enterpriseName: enterprises.name })
      .from(tickets)
      .innerJoin(enterprises, eq(enterprises.id, tickets.enterpriseId))
      .where(and(...conditions))
      .orderBy(desc(tickets.updatedAt))
      .limit(100);
    return rows.map((r) => this.summary(r.ticket, r.enterpriseName));
  }

  /** A message (or an attachment) on a ticket: the other side is told; customs' first answer is timed. */
  async reply(p: Principal, id: string, text: string, attachment?: { name: string; contentType: string; bytes: Buffer }) {
    const t = await this.readableTicket(p, id);
    this.requireParty(p, t, 'answer');
    const fromEnterprise = isEnterpriseSide(p);
    if (t.status === 'closed') throw new AppError('conflict', 'The ticket is closed', { reason: 'ticket_closed' });
    const now = this.clock();
    let stored: { name: string; contentType: string; size: number; sha256: string; path: string } | null = null;
    if (attachment) {
      // In the evidence store, which every node reads (S3 with several nodes).
      const relative = path.posix.join('tickets', t.id, `${crypto.randomUUID()}`);
      await this.deps.store.write(relative, attachment.bytes);
      stored = {
        name: attachment.name,
        contentType: attachment.contentType,
        size: attachment.bytes.length,
        sha256: sha256Hex(attachment.bytes),
        path: relative,
      };
    }
    const recipients = fromEnterprise ? await portOfficers(this.deps.db, t.portId) : await enterpriseUsers(this.deps.db, t.enterpriseId);
    const payload = { ticketId: t.id, title: t.title, by: p.displayName };
    const kind = fromEnterprise ? 'ticket.message' : 'ticket.answered';
    await this.deps.db.transaction(async (tx) => {
      await tx.insert(ticketMessages).values({ ticketId: t.id, authorId: p.userId, text, attachment: stored, createdAt: now });
      await tx
        .update(tickets)
        .set({ status: fromEnterprise ? 'open' : 'answered', updatedAt: now, ...(!fromEnterprise && !t.firstAnsweredAt ? { firstAnsweredAt: now } : {}) })
        .where(eq(tickets.id, t.id));
      await appendAudit(tx, { actorId: p.userId, action: 'ticket.message', entityType: 'ticket', entityId: t.id, details: { attachment: stored?.sha256 ?? null } }, now);
      await storeNotifications(tx, recipients, kind, payload);
    });
    announce(this.deps.events, { userIds: recipients, kind, payload });
    return this.get(p, id);
  }

  async close(p: Principal, id: string) {
    const t = await this.readableTicket(p, id);
    this.requireParty(p, t, 'close');
    if (t.status === 'closed') throw new AppError('conflict', 'The ticket is closed', { reason: 'ticket_closed' });
    const now = this.clock();
    await this.deps.db.transaction(async (tx) => {
      await tx.update(tickets).set({ status: 'closed', closedAt: now, updatedAt: now }).where(eq(tickets.id, id));
      await appendAudit(tx, { actorId: p.userId, action: 'ticket.close', entityType: 'ticket', entityId: id, details: {} }, now);
    });
    return this.get(p, id);
  }

  /** An attachment's bytes, for whoever may read the ticket. */
  async attachment(p: Principal, id: string, messageId: number): Promise<{ name: string; contentType: string; open: () => Promise<Readable> }> {
    await this.readableTicket(p, id);
    const [m] = await this.deps.db
      .select({ attachment: ticketMessages.attachment })
      .from(ticketMessages)
      .where(and(eq(ticketMessages.ticketId, id), eq(ticketMessages.id, messageId)));
    if (!m?.attachment) throw notFound('Attachment');
    const stored = m.attachment.path;
    return { name: m.attachment.name, contentType: m.attachment.contentType, open: () => this.deps.store.open(stored) };
  }
}
