/**
 * The API for other systems: service accounts (made by an administrator with scopes and a rate limit; the API
 * key shown once and kept as its sha256; rotated or revoked), and what they may do — push declarations,
 * enterprises (with their risk class) and registered vehicles as idempotent upserts by natural key, a batch
 * answered item by item, each change audited with the account as its actor — and read the archive. A request
 * with an `Idempotency-Key` is answered the same on a retry (the first answer kept a day).
 */
import crypto from 'node:crypto';
import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import { isUniqueViolation, type Db, type DbOrTx } from '../db/database.ts';
import { bookings, declarations, enterprises, idempotencyKeys, ports, serviceAccounts, type serviceScopes, sites, vehicles } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { isCalendarDay } from '../contracts/local-time.ts';
import { normaliseCode } from '../../inference/index.ts';
import { normalisePlate } from './admin.service.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { ArchiveSearchService } from './archive-search.service.ts';
import type { ArchiveService } from './archive.service.ts';
import type { VerdictService } from './verdicts.service.ts';

export type ServiceScope = (typeof serviceScopes)[number];
export const MAX_BATCH = 500;
const IDEMPOTENCY_KEEP_MS = 86_400_000;

export const declarationItem = z
  .object({
    number: z.string().regex(/^\d{18}$/, 'a declaration number has 18 digits'),
    enterpriseCustomsCode: z.string().trim().min(1).max(20),
    portCode: z.string().trim().min(1).max(20),
    siteName: z.string().trim().max(200).optional(),
    goodsDescription: z.string().trim().min(1).max(2000),
    declaredQuantity: z.number().positive().max(1e10),
    quantityUnit: z.string().trim().min(1).max(20),
    sealNumbers: z
      .array(z.string().regex(/^[A-Za-z0-9 -]{4,30}$/, 'letters and digits'))
      .max(50)
      .default([]),
    vehiclePlate: z.string().trim().min(2).max(20).optional(),
    validUntil: z.string().refine(isCalendarDay, 'a day, YYYY-MM-DD').optional(),
  })
  .strict()
  .meta({ id: 'DeclarationPush' });

export const enterpriseItem = z
  .object({
    customsCode: z.string().trim().min(1).max(20),
    name: z.string().trim().min(1).max(200),
    riskClass: z.enum(['A', 'B', 'C', 'D']),
  })
  .strict()
  .meta({ id: 'EnterprisePush' });

export const vehicleItem = z
  .object({
    plate: z.string().trim().min(2).max(20),
    enterpriseCustomsCode: z.string().trim().min(1).max(20),
    description: z.string().trim().max(200).default(''),
  })
  .strict()
  .meta({ id: 'VehiclePush' });

export interface ItemResult {
  index: number;
  key: string;
  status: 'created' | 'updated' | 'unchanged' | 'error';
  id?: string;
  error?: { reason: string; message: string; path?: string };
}

class ItemError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const hashKey = (key: string) => crypto.createHash('sha256').update(key).digest('hex');
const newKey = () => {
  const prefix = crypto.randomBytes(6).toString('hex');
  return { prefix, key: `wp_${prefix}_${crypto.randomBytes(24).toString('base64url')}` };
};

/** The principal a service account acts as inside the services (its scopes are checked before). */
export function servicePrincipal(account: { id: string; name: string }): Principal {
  return { userId: account.id, username: `service:${account.name}`, displayName: account.name, role: 'admin', locale: 'en', enterpriseIds: [], portId: null };
}

export class IntegrationService {
  private readonly clock: () => Date;
  /** Requests per account in the current minute, on this node. */
  private readonly windows = new Map<string, { minute: number; count: number }>();

  constructor(private readonly deps: { db: Db; archiveSearch: ArchiveSearchService; archive: ArchiveService; verdicts: VerdictService; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  // ---- Service accounts (administrators) ----

  private view(a: typeof serviceAccounts.$inferSelect) {
    return {
      id: a.id,
      name: a.name,
      scopes: a.scopes,
      keyPrefix: a.keyPrefix,
      ratePerMinute: a.ratePerMinute,
      active: a.active,
      createdAt: a.createdAt.toISOString(),
      rotatedAt: a.rotatedAt?.toISOString() ?? null,
      lastUsedAt: a.lastUsedAt?.toISOString() ?? null,
    };
  }

  async listAccounts(p: Principal) {
    requireRole(p, 'admin');
    return (await this.deps.db.select().from(serviceAccounts).orderBy(asc(serviceAccounts.name))).map((a) => this.view(a));
  }

  /** Makes an account; the answer carries its API key, the only time it is shown. */
  async createAccount(p: Principal, input: { name: string; scopes: ServiceScope[]; ratePerMinute: number }) {
    requireRole(p, 'admin');
    const { prefix, key } = newKey();
    const now = this.clock();
    const row = await this.deps.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(serviceAccounts)
          .values({ name: input.name, scopes: input.scopes, ratePerMinute: input.ratePerMinute, keyPrefix: prefix, keyHash: hashKey(key), createdBy: p.userId, createdAt: now })
          .returning();
        await appendAudit(tx, { actorId: p.userId, action: 'service_account.create', entityType: 'service_account', entityId: row!.id, details: { name: input.name, scopes: input.scopes } }, now);
        return row!;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('conflict', `A service account named ${input.name} exists`, { reason: 'service_account_taken' });
        throw err;
      });
    return { ...this.view(row), key };
  }

  /** A new key; the old one stops working at once. */
  async rotateKey(p: Principal, id: string) {
    requireRole(p, 'admin');
    const { prefix, key } = newKey();
    const row = await this.changeAccount(p, id, 'service_account.rotate', { keyPrefix: prefix, keyHash: hashKey(key), rotatedAt: this.clock() });
    return { ...this.view(row), key };
  }

  async revoke(p: Principal, id: string) {
    requireRole(p, 'admin');
    return this.view(await this.changeAccount(p, id, 'service_account.revoke', { active: false }));
  }

  private async changeAccount(p: Principal, id: string, action: string, set: Partial<typeof serviceAccounts.$inferInsert>) {
    const now = this.clock();
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx.update(serviceAccounts).set(set).where(eq(serviceAccounts.id, id)).returning();
      if (!row) throw notFound('Service account');
      await appendAudit(tx, { actorId: p.userId, action, entityType: 'service_account', entityId: id, details: { name: row.name } }, now);
      return row;
    });
  }

  /**
   * The account an `Authorization: Bearer <key>` names, if it is active, holds the scope and is within its
   * rate limit; 401, 403 or 429 otherwise.
   */
  async authenticate(authorization: string | undefined, scope: ServiceScope) {
    const key = /^Bearer (wp_([0-9a-f]{12})_[\w-]+)$/.exec(authorization ?? '');
    if (!key) throw new AppError('unauthenticated', 'Send the API key as Authorization: Bearer <key>', { reason: 'api_key_missing' });
    const [account] = await this.deps.db.select().from(serviceAccounts).where(eq(serviceAccounts.keyPrefix, key[2]!));
    const given = Buffer.from(hashKey(key[1]!), 'hex');
    if (!account?.active || !crypto.timingSafeEqual(given, Buffer.from(account.keyHash, 'hex'))) throw new AppError('unauthenticated', 'Unknown or revoked API key', { reason: 'api_key_invalid' });
    if (!account.scopes.includes(scope)) throw new AppError('forbidden', `This key lacks the scope ${scope}`, { reason: 'scope_missing', params: { scope } });
    const now = this.clock();
    const minute = Math.floor(now.getTime() / 60_000);
    const window = this.windows.get(account.id);
    if (window?.minute === minute && window.count >= account.ratePerMinute)
      throw new AppError('too_many_requests', `At most ${account.ratePerMinute} requests a minute`, { reason: 'rate_limited', params: { limit: account.ratePerMinute } });
    this.windows.set(account.id, window?.minute === minute ? { minute, count: window.count + 1 } : { minute, count: 1 });
    if (this.windows.size > 10_000) this.windows.clear();
    // Kept to the minute: a busy account does not write a row per request.
    if (!account.lastUsedAt || now.getTime() - account.lastUsedAt.getTime() > 60_000) await this.deps.db.update(serviceAccounts).set({ lastUsedAt: now }).where(eq(serviceAccounts.id, account.id));
    return { id: account.id, name: account.name };
  }

  /**
   * Runs `work` once per Idempotency-Key: a retry with the same key and request gets the first answer; the
   * same key with another request is refused.
   */
  async idempotent<T>(accountId: string, key: string | undefined, request: unknown, work: () => Promise<T>): Promise<T> {
    if (!key) return work();
    if (!/^[\w.:-]{8,200}$/.test(key)) throw new AppError('validation_failed', 'An Idempotency-Key is 8-200 letters, digits, dots, colons, dashes', { reason: 'idempotency_key_invalid' });
    const requestHash = hashKey(JSON.stringify(request));
    const db = this.deps.db;
    const now = this.clock();
    await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_KEEP_MS)));
    const [seen] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key)));
    if (seen) {
      if (seen.requestHash !== requestHash) throw new AppError('conflict', 'This Idempotency-Key was used for another request', { reason: 'idempotency_key_reused' });
      return seen.response as T;
    }
    const response = await work();
    // Two retries racing: the first answer stays, and both answered the same (the upserts are idempotent).
    await db.insert(idempotencyKeys).values({ accountId, key, requestHash, status: 200, response, createdAt: now }).onConflictDoNothing();
    return response;
  }

  // ---- Pushes ----

  /** Each item on its own: validated, then upserted in its own transaction; one bad item changes nothing of it and stops no other. */
  private async batch<I>(items: unknown[], schema: z.ZodType<I>, keyOf: (raw: unknown) => string, upsert: (tx: DbOrTx, item: I) => Promise<{ status: ItemResult['status']; id: string }>) {
    if (items.length > MAX_BATCH) throw new AppError('payload_too_large', `At most ${MAX_BATCH} items a request`, { reason: 'batch_too_large', params: { max: MAX_BATCH } });
    const results: ItemResult[] = [];
    for (const [index, raw] of items.entries()) {
      const key = keyOf(raw);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        results.push({ index, key, status: 'error', error: { reason: 'invalid', message: issue.message, path: issue.path.join('.') } });
        continue;
      }
      try {
        const run = () => this.deps.db.transaction((tx) => upsert(tx, parsed.data));
        // Another push inserted the same new key meanwhile: once more, it is then an update or unchanged.
        const outcome = await run().catch((err: unknown) => {
          if (isUniqueViolation(err)) return run();
          throw err;
        });
        results.push({ index, key, ...outcome });
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        results.push({ index, key, status: 'error', error: { reason: err.reason, message: err.message } });
      }
    }
    const count = (status: ItemResult['status']) => results.filter((r) => r.status === status).length;
    return { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), errors: count('error'), items: results };
  }

  private async enterpriseByCode(tx: DbOrTx, code: string) {
    const [row] = await tx.select().from(enterprises).where(eq(enterprises.customsCode, code));
    if (!row) throw new ItemError('enterprise_unknown', `No enterprise has the customs code ${code}`);
    return row;
  }

  private audit(tx: DbOrTx, account: { id: string; name: string }, action: string, entityType: string, entityId: string, details: Record<string, unknown>) {
    return appendAudit(tx, { actorId: account.id, action, entityType, entityId, details: { ...details, serviceAccount: account.name } }, this.clock());
  }

  pushDeclarations(account: { id: string; name: string }, items: unknown[]) {
    const keyOf = (raw: unknown) => String((raw as { number?: unknown })?.number ?? '');
    return this.batch(items, declarationItem, keyOf, async (tx, item) => {
      const enterprise = await this.enterpriseByCode(tx, item.enterpriseCustomsCode);
      const [port] = await tx.select().from(ports).where(eq(ports.code, item.portCode));
      if (!port) throw new ItemError('port_unknown', `No port has the code ${item.portCode}`);
      let siteId: string | null = null;
      if (item.siteName) {
        const [site] = await tx
          .select({ id: sites.id })
          .from(sites)
          .where(and(eq(sites.enterpriseId, enterprise.id), eq(sites.name, item.siteName)));
        if (!site) throw new ItemError('site_unknown', `${enterprise.name} has no site named ${item.siteName}`);
        siteId = site.id;
      }
      const values = {
        enterpriseId: enterprise.id,
        portId: port.id,
        siteId,
        goodsDescription: item.goodsDescription,
        declaredQuantity: item.declaredQuantity.toFixed(3),
        quantityUnit: item.quantityUnit,
        sealNumbers: [...new Set(item.sealNumbers.map(normaliseCode))],
        vehiclePlate: item.vehiclePlate ? normalisePlate(item.vehiclePlate) : null,
        validUntil: item.validUntil ?? null,
      };
      const [current] = await tx.select().from(declarations).where(eq(declarations.number, item.number)).for('update');
      if (!current) {
        const [row] = await tx
          .insert(declarations)
          .values({ number: item.number, ...values, createdAt: this.clock() })
          .returning({ id: declarations.id });
        await this.audit(tx, account, 'declaration.create', 'declaration', row!.id, { number: item.number });
        return { status: 'created', id: row!.id };
      }
      if (current.enterpriseId !== enterprise.id) throw new ItemError('declaration_of_another_enterprise', `Declaration ${item.number} is registered for another enterprise`);
      const changed = Object.entries(values).filter(([k, v]) => JSON.stringify((current as Record<string, unknown>)[k]) !== JSON.stringify(v));
      if (changed.length === 0) return { status: 'unchanged', id: current.id };
      // What was inspected stays as it was inspected; a booked one keeps its port, site and validity.
      const booked = await tx
        .select({ status: bookings.status })
        .from(bookings)
        .where(and(eq(bookings.declarationId, current.id), inArray(bookings.status, ['requested', 'proposed', 'confirmed', 'in_progress', 'completed'])));
      if (booked.some((b) => b.status === 'in_progress' || b.status === 'completed')) throw new ItemError('declaration_inspected', `Declaration ${item.number} has been inspected and is not changed`);
      if (booked.length > 0 && changed.some(([k]) => k === 'portId' || k === 'siteId' || k === 'validUntil'))
        throw new ItemError('declaration_booked', `Declaration ${item.number} is booked for inspection: its port, site and validity stay until the booking is cancelled`);
      await tx.update(declarations).set(values).where(eq(declarations.id, current.id));
      await this.audit(tx, account, 'declaration.update', 'declaration', current.id, { number: item.number, fields: changed.map(([k]) => k) });
      return { status: 'updated', id: current.id };
    });
  }

  pushEnterprises(account: { id: string; name: string }, items: unknown[]) {
    const keyOf = (raw: unknown) => String((raw as { customsCode?: unknown })?.customsCode ?? '');
    return this.batch(items, enterpriseItem, keyOf, async (tx, item) => {
      const [current] = await tx.select().from(enterprises).where(eq(enterprises.customsCode, item.customsCode)).for('update');
      if (!current) {
        const [row] = await tx.insert(enterprises).values(item).returning({ id: enterprises.id });
        await this.audit(tx, account, 'enterprise.create', 'enterprise', row!.id, { customsCode: item.customsCode, riskClass: item.riskClass });
        return { status: 'created', id: row!.id };
      }
      if (current.name === item.name && current.riskClass === item.riskClass) return { status: 'unchanged', id: current.id };
      await tx.update(enterprises).set({ name: item.name, riskClass: item.riskClass }).where(eq(enterprises.id, current.id));
      // A class change is recorded as an administrator's is: the enterprise's record shows its history.
      if (current.riskClass !== item.riskClass) await this.audit(tx, account, 'enterprise.risk_class', 'enterprise', current.id, { riskClass: item.riskClass });
      if (current.name !== item.name) await this.audit(tx, account, 'enterprise.update', 'enterprise', current.id, { name: item.name });
      return { status: 'updated', id: current.id };
    });
  }

  pushVehicles(account: { id: string; name: string }, items: unknown[]) {
    const keyOf = (raw: unknown) => String((raw as { plate?: unknown })?.plate ?? '');
    return this.batch(items, vehicleItem, keyOf, async (tx, item) => {
      const enterprise = await this.enterpriseByCode(tx, item.enterpriseCustomsCode);
      const plate = normalisePlate(item.plate);
      const [current] = await tx.select().from(vehicles).where(eq(vehicles.plate, plate)).for('update');
      if (!current) {
        const [row] = await tx.insert(vehicles).values({ plate, enterpriseId: enterprise.id, description: item.description }).returning({ id: vehicles.id });
        await this.audit(tx, account, 'vehicle.create', 'vehicle', row!.id, { plate });
        return { status: 'created', id: row!.id };
      }
      if (current.enterpriseId !== enterprise.id) throw new ItemError('vehicle_of_another_enterprise', `Plate ${plate} is registered to another enterprise`);
      if (current.description === item.description) return { status: 'unchanged', id: current.id };
      await tx.update(vehicles).set({ description: item.description }).where(eq(vehicles.id, current.id));
      await this.audit(tx, account, 'vehicle.update', 'vehicle', current.id, { plate });
      return { status: 'updated', id: current.id };
    });
  }

  // ---- The archive, read ----

  async sessions(account: { id: string; name: string }, filter: { declarationNumber?: string; from?: Date; to?: Date; limit: number; offset: number }) {
    return this.deps.archiveSearch.search(servicePrincipal(account), filter);
  }

  /** A session's signed verdict and the check of its seal (every file re-hashed, both signatures, the audit chain). */
  async session(account: { id: string; name: string }, sessionId: string) {
    const p = servicePrincipal(account);
    const [entry] = (await this.deps.archiveSearch.search(p, { sessionId, limit: 1, offset: 0 })).items;
    if (!entry) throw notFound('Session');
    const verdict = await this.deps.verdicts.findSigned(sessionId);
    const verification = await this.deps.archive.verify(p, sessionId);
    return { entry, verdict, verification };
  }
}
