/** Customs declarations: the goods, quantity and seals an inspection is about. */
import { and, asc, count, eq, inArray, type SQL } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../db/database.ts';
import { declarations, enterprises, sites } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { isEnterpriseSide, mayRead, readableBy, requireActsFor, type Principal } from './access.ts';
import type { DeclarationView } from '../contracts/records.ts';
import { appendAudit } from './audit.service.ts';
import { normaliseCode } from '../../inference/index.ts';

export interface DeclarationInput {
  number: string;
  enterpriseId: string;
  portId: string;
  siteId?: string | null;
  goodsDescription: string;
  declaredQuantity: number;
  quantityUnit: string;
  sealNumbers: string[];
  /** The last day (the port's) the goods may be inspected on; none: no limit. */
  validUntil?: string | null;
}

export type { DeclarationView };

/** Seal numbers as printed vary in spacing and case; they are stored as compared: uppercase without separators. */
export const normaliseSealNumber = normaliseCode;

export class DeclarationService {
  constructor(private readonly deps: { db: Db; clock?: () => Date }) {}

  async list(p: Principal, page: { limit: number; offset: number; number?: string }) {
    const where = and(this.visibleTo(p), page.number ? eq(declarations.number, page.number) : undefined);
    const [total] = await this.deps.db.select({ n: count() }).from(declarations).where(where);
    const rows = await this.select(where, page);
    return { items: rows, total: total?.n ?? 0 };
  }

  async get(p: Principal, id: string): Promise<DeclarationView> {
    const [row] = await this.select(eq(declarations.id, id), { limit: 1, offset: 0 });
    if (!row || !mayRead(p, row)) throw notFound('Declaration');
    return row;
  }

  /** Declarations are registered by the enterprise side (or an administrator importing them). */
  async create(p: Principal, input: DeclarationInput): Promise<DeclarationView> {
    if (isEnterpriseSide(p)) requireActsFor(p, input.enterpriseId);
    else if (p.role !== 'admin') throw forbidden('Only the enterprise, its broker or an administrator registers declarations');
    const now = this.deps.clock?.() ?? new Date();
    const { db } = this.deps;
    if (input.siteId) {
      const [site] = await db.select().from(sites).where(eq(sites.id, input.siteId));
      if (!site || site.enterpriseId !== input.enterpriseId) throw new AppError('bad_request', 'The site does not belong to this enterprise', { reason: 'site_not_of_enterprise' });
    }
    const id = await db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(declarations)
          .values({
            ...input,
            siteId: input.siteId ?? null,
            validUntil: input.validUntil ?? null,
            declaredQuantity: String(input.declaredQuantity),
            sealNumbers: [...new Set(input.sealNumbers.map(normaliseSealNumber))],
            createdAt: now,
          })
          .returning({ id: declarations.id });
        await appendAudit(tx, { actorId: p.userId, action: 'declaration.create', entityType: 'declaration', entityId: row!.id, details: { number: input.number } }, now);
        return row!.id;
      })
      .catch((err: unknown) => {
        // The unique declaration number decides, also between two requests arriving together.
        if (isUniqueViolation(err)) throw new AppError('conflict', `Declaration ${input.number} is already registered`, { reason: 'declaration_number_taken', params: { number: input.number } });
        throw err;
      });
    return this.get(p, id);
  }

  private visibleTo(p: Principal): SQL | undefined {
    return readableBy(p, { enterpriseId: declarations.enterpriseId, portId: declarations.portId });
  }

  private async select(where: SQL | undefined, page: { limit: number; offset: number }): Promise<DeclarationView[]> {
    const rows = await this.deps.db
      .select({ d: declarations, enterpriseName: enterprises.name })
      .from(declarations)
      .innerJoin(enterprises, eq(enterprises.id, declarations.enterpriseId))
      .where(where)
      .orderBy(asc(declarations.number))
      .limit(page.limit)
      .offset(page.offset);
    return rows.map(({ d, enterpriseName }) => ({
      id: d.id,
      number: d.number,
      enterpriseId: d.enterpriseId,
      enterpriseName,
      portId: d.portId,
      siteId: d.siteId,
      goodsDescription: d.goodsDescription,
      declaredQuantity: Number(d.declaredQuantity),
      quantityUnit: d.quantityUnit,
      sealNumbers: d.sealNumbers,
      validUntil: d.validUntil,
      vehiclePlate: d.vehiclePlate,
      createdAt: d.createdAt.toISOString(),
    }));
  }
}
