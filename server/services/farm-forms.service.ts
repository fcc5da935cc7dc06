/**
 * The farm's supervision e-forms (contract: server/contracts/forms.ts). Definitions are versioned data; a farm
 * fills in a form per local day (draft, submit; a submitted form is corrected with a reason and every submitted
 * version is kept); officers of the farm's port read them, comment and return them; a daily form not submitted
 * by its due time (the next day, `dueTime` in the port's zone) is overdue, and past the grace period it is on
 * the officers' dashboard. Reminders (server/jobs/form-reminders.ts) ask `outstanding` and `recordReminder`.
 */
import { and, asc, desc, eq, gte, inArray, lte, max, type SQL } from 'drizzle-orm';
import { isUniqueViolation, type Db, type DbOrTx } from '../db/database.ts';
import { enterprises, farmFormNotes, farmFormRevisions, farmForms, formDefinitions, formReminders, ports, sites, users } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import {
  checkEntry,
  formDefinition,
  importRowsField,
  type EntryError,
  type EntryValues,
  type FarmFormStatus,
  type FormDayState,
  type FormDefinition,
  type FormDefinitionInput,
  type ImportItem,
  type ImportProblem,
} from '../contracts/forms.ts';
import { addDays, daysBetween, localDay, zonedInstant } from '../contracts/local-time.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';
import { HANDBOOK_FORMS } from '../forms/handbook.ts';
import { sha256Hex } from '../../media/files.ts';
import { isEnterpriseSide, mayRead, requireActsFor, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { canonicalJson } from './canonical-json.ts';
import type { DomainEvents } from './domain-events.ts';
import { announce, enterpriseUsers, portOfficers, storeNotifications, type ReminderOutcome } from './recipients.ts';

/** The most days one overview covers, and how far back a farm may still fill in a day. */
export const MAX_OVERVIEW_DAYS = 31;
export const MAX_DAYS_BACK = 366;
/** How many days back the officers' dashboard and the reminders look. */
export const OVERDUE_LOOKBACK_DAYS = 14;

export interface FarmSite {
  id: string;
  name: string;
  enterpriseId: string;
  enterpriseName: string;
  portId: string | null;
  timeZone: string;
  createdAt: Date;
}

export interface FormEntryView {
  id: string;
  siteId: string;
  formKey: string;
  formVersion: number;
  day: string;
  status: FarmFormStatus;
  state: FormDayState;
  revision: number;
  values: EntryValues;
  dueAt: string | null;
  updatedAt: string;
  submittedAt: string | null;
  revisions: Array<{ revision: number; formVersion: number; reason: string | null; submittedBy: string; submittedAt: string }>;
  notes: Array<{ id: number; text: string; returned: boolean; author: string; createdAt: string }>;
}

/** Thrown to undo a dry run's transaction once its outcome is known. */
const DRY_RUN = new Error('dry run');

const invalid = (errors: EntryError[]) =>
  new AppError('validation_failed', `The form has ${errors.length} problem(s): ${errors.map((e) => `${e.path} ${e.code}`).join('; ')}`, {
    reason: 'form_invalid',
    params: { count: errors.length },
    details: errors,
  });

export class FarmFormService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; clock?: () => Date; dueTime: string; graceHours: number }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  // --- Definitions -----------------------------------------------------------------------------------

  /**
   * Stores the shipped handbook definitions that are not stored yet. A stored version is never changed: one
   * that differs from what ships is kept, and named in the answer (ship it as a new version instead).
   */
  async installHandbook(): Promise<{ installed: string[]; differing: string[] }> {
    const installed: string[] = [];
    const differing: string[] = [];
    for (const input of HANDBOOK_FORMS) {
      const def = formDefinition.parse(input);
      const digest = sha256Hex(canonicalJson(def));
      const [row] = await this.deps.db
        .insert(formDefinitions)
        .values({ key: def.key, version: def.version, definition: def, sha256: digest })
        .onConflictDoNothing()
        .returning({ key: formDefinitions.key });
      if (row) installed.push(`${def.key}@${def.version}`);
      else {
        const [stored] = await this.deps.db
          .select({ sha256: formDefinitions.sha256 })
          .from(formDefinitions)
          .where(and(eq(formDefinitions.key, def.key), eq(formDefinitions.version, def.version)));
        if (stored && stored.sha256 !== digest) differing.push(`${def.key}@${def.version}`);
      }
    }
    return { installed, differing };
  }

  /** The newest version of every form. */
  async currentDefinitions(): Promise<FormDefinition[]> {
    const rows = await this.deps.db.select({ definition: formDefinitions.definition }).from(formDefinitions).orderBy(asc(formDefinitions.key), desc(formDefinitions.version));
    const newest = new Map<string, FormDefinition>();
    for (const r of rows) if (!newest.has(r.definition.key)) newest.set(r.definition.key, r.definition);
    return [...newest.values()];
  }

  async definition(key: string, version: number): Promise<FormDefinition> {
    return this.definitionIn(this.deps.db, key, version);
  }

  private async newest(db: DbOrTx, key: string): Promise<FormDefinition> {
    const [row] = await db.select({ definition: formDefinitions.definition }).from(formDefinitions).where(eq(formDefinitions.key, key)).orderBy(desc(formDefinitions.version)).limit(1);
    if (!row) throw notFound('Form');
    return row.definition;
  }

  /** An administrator adds a form, or a new version of one (the next number); forms filled in earlier keep theirs. */
  async addVersion(p: Principal, input: FormDefinitionInput): Promise<FormDefinition> {
    requireRole(p, 'admin');
    const def = formDefinition.parse(input);
    return this.deps.db.transaction(async (tx) => {
      const [{ latest } = { latest: null }] = await tx
        .select({ latest: max(formDefinitions.version) })
        .from(formDefinitions)
        .where(eq(formDefinitions.key, def.key));
      const next = (latest ?? 0) + 1;
      if (def.version !== next) throw new AppError('conflict', `The next version of ${def.key} is ${next}`, { reason: 'form_version_not_next', params: { version: next } });
      try {
        await tx.insert(formDefinitions).values({ key: def.key, version: def.version, definition: def, sha256: sha256Hex(canonicalJson(def)), createdBy: p.userId });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('conflict', `Version ${def.version} of ${def.key} exists`, { reason: 'form_version_not_next', params: { version: def.version + 1 } });
        throw err;
      }
      await appendAudit(tx, { actorId: p.userId, action: 'form_definition.create', entityType: 'form_definition', entityId: `${def.key}@${def.version}`, details: { fields: def.fields.length } });
      return def;
    });
  }

  // --- Farms and days --------------------------------------------------------------------------------

  /** Farms (sites of kind farm) matching a condition, with their enterprise's name and their port's zone. */
  private async farmRows(condition: SQL | undefined, limit: number): Promise<FarmSite[]> {
    const rows = await this.deps.db
      .select({
        id: sites.id,
        name: sites.name,
        enterpriseId: sites.enterpriseId,
        enterpriseName: enterprises.name,
        portId: sites.portId,
        timeZone: ports.timeZone,
        createdAt: sites.createdAt,
      })
      .from(sites)
      .innerJoin(enterprises, eq(enterprises.id, sites.enterpriseId))
      .leftJoin(ports, eq(ports.id, sites.portId))
      .where(and(eq(sites.kind, 'farm'), condition))
      .orderBy(asc(sites.name))
      .limit(limit);
    return rows.map((row) => ({ ...row, timeZone: row.timeZone ?? DEFAULT_TIME_ZONE }));
  }

  private async farm(siteId: string): Promise<FarmSite> {
    const [site] = await this.farmRows(eq(sites.id, siteId), 1);
    if (!site) throw notFound('Farm');
    return site;
  }

  private async readableFarm(p: Principal, siteId: string): Promise<FarmSite> {
    const site = await this.farm(siteId);
    if (!mayRead(p, { enterpriseId: site.enterpriseId, portId: site.portId })) throw notFound('Farm');
    return site;
  }

  /** When a day's daily forms are due: the next day at the due time, in the farm's zone. */
  dueAt(day: string, zone: string): Date {
    return zonedInstant(addDays(day, 1), this.deps.dueTime, zone);
  }

  private today(site: FarmSite): string {
    return localDay(this.clock(), site.timeZone);
  }

  private checkDay(site: FarmSite, day: string): void {
    const problem = this.dayProblem(site, day);
    if (problem === 'day_in_future') throw new AppError('validation_failed', `${day} has not begun at the farm`, { reason: 'day_in_future' });
    if (problem === 'day_too_old') throw new AppError('validation_failed', `${day} is too long ago`, { reason: 'day_too_old', params: { days: MAX_DAYS_BACK } });
  }

  private stateOf(def: FormDefinition | undefined, status: FarmFormStatus | null, day: string, site: FarmSite): FormDayState {
    if (status === 'submitted' || status === 'returned') return status;
    const due = def?.cadence === 'daily' && this.clock() >= this.dueAt(day, site.timeZone);
    if (due) return 'overdue';
    return status ?? 'missing';
  }

  /** What each form is in over a range of days (at most a month): the farm's calendar and the officers' grid. */
  async overview(p: Principal, siteId: string, from: string, to: string) {
    const site = await this.readableFarm(p, siteId);
    const span = daysBetween(from, to);
    if (span < 0 || span >= MAX_OVERVIEW_DAYS)
      throw new AppError('validation_failed', `At most ${MAX_OVERVIEW_DAYS} days, from before to`, { reason: 'range_too_long', params: { days: MAX_OVERVIEW_DAYS } });
    const definitions = await this.currentDefinitions();
    const rows = await this.deps.db
      .select({ formKey: farmForms.formKey, day: farmForms.day, status: farmForms.status, revision: farmForms.revision })
      .from(farmForms)
      .where(and(eq(farmForms.siteId, siteId), gte(farmForms.day, from), lte(farmForms.day, to)));
    const byKey = new Map(rows.map((r) => [`${r.formKey}/${r.day}`, r]));
    const today = this.today(site);
    const firstDay = localDay(site.createdAt, site.timeZone);
    const days = Array.from({ length: span + 1 }, (_, i) => addDays(from, i)).filter((d) => daysBetween(d, today) >= 0);
    return {
      site: { id: site.id, name: site.name, enterpriseName: site.enterpriseName, timeZone: site.timeZone },
      today,
      forms: definitions.map((def) => ({ key: def.key, version: def.version, title: def.title, cadence: def.cadence })),
      days: days.map((day) => ({
        day,
        dueAt: this.dueAt(day, site.timeZone).toISOString(),
        forms: definitions.map((def) => {
          const row = byKey.get(`${def.key}/${day}`);
          // Before the farm was registered nothing was due.
          const state = row ? this.stateOf(def, row.status, day, site) : daysBetween(firstDay, day) < 0 ? 'missing' : this.stateOf(def, null, day, site);
          return { key: def.key, state, revision: row?.revision ?? 0 };
        }),
      })),
    };
  }

  /** A farm's form of a day; `lock` holds its row until the transaction ends (one writer at a time). */
  private async entryRow(db: DbOrTx, siteId: string, key: string, day: string, lock = false) {
    const query = db
      .select()
      .from(farmForms)
      .where(and(eq(farmForms.siteId, siteId), eq(farmForms.formKey, key), eq(farmForms.day, day)));
    const [row] = lock ? await query.for('update') : await query;
    return row ?? null;
  }

  /** One day's form with its revisions and notes; a form not started yet answers its newest definition and no values. */
  async entry(p: Principal, siteId: string, key: string, day: string) {
    const site = await this.readableFarm(p, siteId);
    const about = { id: site.id, name: site.name, enterpriseName: site.enterpriseName, timeZone: site.timeZone };
    const row = await this.entryRow(this.deps.db, siteId, key, day);
    if (!row) return { site: about, definition: await this.newest(this.deps.db, key), entry: null };
    const definition = await this.definition(key, row.formVersion);
    return { site: about, definition, entry: await this.view(row, definition, site) };
  }

  private async view(row: typeof farmForms.$inferSelect, def: FormDefinition, site: FarmSite): Promise<FormEntryView> {
    const revisions = await this.deps.db
      .select({
        revision: farmFormRevisions.revision,
        formVersion: farmFormRevisions.formVersion,
        reason: farmFormRevisions.reason,
        submittedBy: users.displayName,
        submittedAt: farmFormRevisions.submittedAt,
      })
      .from(farmFormRevisions)
      .innerJoin(users, eq(users.id, farmFormRevisions.submittedBy))
      .where(eq(farmFormRevisions.formId, row.id))
      .orderBy(asc(farmFormRevisions.revision));
    const notes = await this.deps.db
      .select({ id: farmFormNotes.id, text: farmFormNotes.text, returned: farmFormNotes.returned, author: users.displayName, createdAt: farmFormNotes.createdAt })
      .from(farmFormNotes)
      .innerJoin(users, eq(users.id, farmFormNotes.authorId))
      .where(eq(farmFormNotes.formId, row.id))
      .orderBy(asc(farmFormNotes.id))
      .limit(200);
    return {
      id: row.id,
      siteId: row.siteId,
      formKey: row.formKey,
      formVersion: row.formVersion,
      day: row.day,
      status: row.status,
      state: this.stateOf(def, row.status, row.day, site),
      revision: row.revision,
      values: row.values,
      dueAt: def.cadence === 'daily' ? this.dueAt(row.day, site.timeZone).toISOString() : null,
      updatedAt: row.updatedAt.toISOString(),
      submittedAt: row.submittedAt?.toISOString() ?? null,
      revisions: revisions.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString() })),
      notes: notes.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
    };
  }

  /** The values of an earlier submitted version. */
  async revision(p: Principal, siteId: string, key: string, day: string, revision: number): Promise<{ definition: FormDefinition; revision: number; reason: string | null; values: EntryValues }> {
    await this.readableFarm(p, siteId);
    const row = await this.entryRow(this.deps.db, siteId, key, day);
    if (!row) throw notFound('Form');
    const [rev] = await this.deps.db
      .select()
      .from(farmFormRevisions)
      .where(and(eq(farmFormRevisions.formId, row.id), eq(farmFormRevisions.revision, revision)));
    if (!rev) throw notFound('Revision');
    return { definition: await this.definition(key, rev.formVersion), revision: rev.revision, reason: rev.reason, values: rev.values };
  }

  /**
   * The farm writes a day's form: `draft` keeps what is there (checked for types and ranges only); `submit`
   * checks it whole; `correct` changes a submitted or returned form, with a reason, keeping the earlier version.
   * The row is locked while it is checked and written, so two writers cannot both win.
   */
  async write(p: Principal, siteId: string, key: string, day: string, action: 'draft' | 'submit' | 'correct', values: Record<string, unknown>, reason?: string) {
    const site = await this.farmFor(p, siteId);
    this.checkDay(site, day);
    const now = this.clock();
    const saved = await this.deps.db.transaction(async (tx) => {
      const locked = await this.entryRow(tx, siteId, key, day, true);
      const def = locked ? await this.definitionIn(tx, key, locked.formVersion) : await this.newest(tx, key);
      const checked = checkEntry(def, values, { draft: action === 'draft' });
      if (!checked.ok) throw invalid(checked.errors);
      const submitted = locked?.status === 'submitted' || locked?.status === 'returned';
      if (action !== 'correct' && submitted) throw new AppError('conflict', 'This form was submitted: correct it with a reason', { reason: 'form_submitted' });
      if (action === 'correct' && !submitted) {
        throw new AppError('conflict', 'Only a submitted form is corrected; submit this one', { reason: 'form_not_submitted' });
      }
      const submitting = action !== 'draft';
      const revision = (locked?.revision ?? 0) + (submitting ? 1 : 0);
      const fields = {
        status: (submitting ? 'submitted' : 'draft') as FarmFormStatus,
        revision,
        values: checked.values,
        updatedBy: p.userId,
        updatedAt: now,
        ...(submitting ? { submittedAt: now } : {}),
      };
      let row: typeof farmForms.$inferSelect;
      if (locked) {
        [row] = (await tx.update(farmForms).set(fields).where(eq(farmForms.id, locked.id)).returning()) as [typeof farmForms.$inferSelect];
      } else {
        try {
          [row] = (await tx
            .insert(farmForms)
            .values({ siteId, formKey: key, formVersion: def.version, day, ...fields })
            .returning()) as [typeof farmForms.$inferSelect];
        } catch (err) {
          // Two first saves at once: the other one won; this one is told to load it again.
          if (isUniqueViolation(err)) throw new AppError('conflict', 'This form was saved meanwhile; load it again', { reason: 'form_changed' });
          throw err;
        }
      }
      if (submitting) {
        await tx
          .insert(farmFormRevisions)
          .values({ formId: row.id, revision, formVersion: row.formVersion, values: checked.values, reason: action === 'correct' ? (reason ?? null) : null, submittedBy: p.userId, submittedAt: now });
        await appendAudit(
          tx,
          {
            actorId: p.userId,
            action: action === 'correct' ? 'farm_form.correct' : 'farm_form.submit',
            entityType: 'farm_form',
            entityId: row.id,
            details: { siteId, form: key, day, revision, ...(reason ? { reason } : {}) },
          },
          now,
        );
      }
      return { row, def };
    });
    return this.view(saved.row, saved.def, site);
  }

  private async definitionIn(db: DbOrTx, key: string, version: number): Promise<FormDefinition> {
    const [row] = await db
      .select({ definition: formDefinitions.definition })
      .from(formDefinitions)
      .where(and(eq(formDefinitions.key, key), eq(formDefinitions.version, version)));
    if (!row) throw notFound('Form definition');
    return row.definition;
  }

  /** An officer of the farm's port (or a supervisor) comments on a form; a return asks the farm to correct it. */
  async note(p: Principal, siteId: string, key: string, day: string, text: string, returnForCorrection: boolean) {
    const site = await this.farm(siteId);
    if (!this.mayReview(p, site)) throw isEnterpriseSide(p) ? forbidden('Officers comment on forms') : notFound('Farm');
    // The farm's people hear of it, told with the note.
    const recipients = await enterpriseUsers(this.deps.db, site.enterpriseId);
    const payload = { siteId, siteName: site.name, form: key, day, returned: returnForCorrection, by: p.displayName };
    const result = await this.deps.db.transaction(async (tx) => {
      const locked = await this.entryRow(tx, siteId, key, day, true);
      if (!locked) throw notFound('Form');
      if (returnForCorrection && locked.status !== 'submitted') throw new AppError('conflict', 'Only a submitted form is returned', { reason: 'form_not_submitted' });
      await tx.insert(farmFormNotes).values({ formId: locked.id, returned: returnForCorrection, text, authorId: p.userId });
      let row = locked;
      if (returnForCorrection) {
        [row] = (await tx.update(farmForms).set({ status: 'returned' }).where(eq(farmForms.id, locked.id)).returning()) as [typeof farmForms.$inferSelect];
      }
      await appendAudit(
        tx,
        { actorId: p.userId, action: returnForCorrection ? 'farm_form.return' : 'farm_form.comment', entityType: 'farm_form', entityId: locked.id, details: { siteId, form: key, day } },
        this.clock(),
      );
      await storeNotifications(tx, recipients, 'form.note', payload);
      return row;
    });
    announce(this.deps.events, { userIds: recipients, kind: 'form.note', payload });
    return this.view(result, await this.definition(key, result.formVersion), site);
  }

  private mayReview(p: Principal, site: FarmSite): boolean {
    return p.role === 'supervisor' || (p.role === 'officer' && site.portId !== null && site.portId === p.portId);
  }

  // --- Imports ------------------------------------------------------------------------------------------

  /** The newest definition of a form (an import checks its lines against it). */
  async newestDefinition(key: string): Promise<FormDefinition> {
    return this.newest(this.deps.db, key);
  }

  /** The farm, for an import: readable and written by the principal's enterprise only. */
  async farmFor(p: Principal, siteId: string): Promise<FarmSite> {
    const site = await this.farm(siteId);
    if (!mayRead(p, { enterpriseId: site.enterpriseId, portId: site.portId })) throw notFound('Farm');
    requireActsFor(p, site.enterpriseId);
    return site;
  }

  /** An enterprise's farms (an import names them by name or id). */
  async farmsOf(enterpriseId: string): Promise<FarmSite[]> {
    return this.farmRows(eq(sites.enterpriseId, enterpriseId), 500);
  }

  /** Whether a day may be written at a farm now: null, or why not. */
  dayProblem(site: FarmSite, day: string): 'day_in_future' | 'day_too_old' | null {
    const today = this.today(site);
    if (daysBetween(today, day) > 0) return 'day_in_future';
    if (daysBetween(day, today) > MAX_DAYS_BACK) return 'day_too_old';
    return null;
  }

  /**
   * Imported lines of one farm's day, merged into its form and submitted, once: a form of rows gains the rows
   * it does not have yet (a row already there, by its values, is unchanged), a whole-day form is written if it
   * was not submitted (the same values again are unchanged; other values are refused: correct it in the app).
   * A line the merged form refuses is left out with its problem. `dryRun` works it all out and writes nothing.
   */
  async importDay(
    p: Principal,
    site: FarmSite,
    key: string,
    day: string,
    items: ImportItem[],
    source: string,
    dryRun: boolean,
  ): Promise<{ imported: number[]; unchanged: number[]; refused: ImportProblem[] }> {
    const now = this.clock();
    const result = { imported: [] as number[], unchanged: [] as number[], refused: [] as ImportProblem[] };
    const refuse = (lines: number[], field: string, code: ImportProblem['code'], params?: ImportProblem['params'], message?: ImportProblem['message']) => {
      for (const line of lines) result.refused.push({ line, field, code, ...(params ? { params } : {}), ...(message ? { message } : {}) });
    };
    try {
      await this.deps.db.transaction(async (tx) => {
        const locked = await this.entryRow(tx, site.id, key, day, true);
        const def = locked ? await this.definitionIn(tx, key, locked.formVersion) : await this.newest(tx, key);
        const rowsField = importRowsField(def);
        const submitted = locked?.status === 'submitted' || locked?.status === 'returned';
        const before: Record<string, unknown> = submitted ? { ...locked!.values } : {};
        let merged: Record<string, unknown>;
        let fresh: ImportItem[];
        if (!rowsField) {
          // One line, one day: the first line decides; the same values again are unchanged.
          const [first, ...others] = items;
          const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
          for (const other of others) {
            if (same(other.top, first!.top)) result.unchanged.push(other.line);
            else refuse([other.line], '', 'conflicting_value');
          }
          if (submitted) {
            if (same(locked!.values, first!.top)) result.unchanged.push(first!.line);
            else refuse([first!.line], '', 'day_already_submitted');
            return;
          }
          merged = first!.top;
          fresh = [first!];
        } else {
          const existing = (before[rowsField.key] as Array<Record<string, unknown>> | undefined) ?? [];
          const seen = new Set(existing.map((r) => canonicalJson(r)));
          const top: Record<string, unknown> = Object.fromEntries(Object.entries(before).filter(([k]) => k !== rowsField.key));
          fresh = [];
          for (const item of items) {
            const conflict = Object.entries(item.top).find(([k, v]) => top[k] !== undefined && canonicalJson(top[k]) !== canonicalJson(v));
            if (conflict) {
              refuse([item.line], conflict[0], 'conflicting_value');
              continue;
            }
            const rowKey = canonicalJson(item.row ?? {});
            if (seen.has(rowKey)) {
              result.unchanged.push(item.line);
              continue;
            }
            seen.add(rowKey);
            Object.assign(top, item.top);
            fresh.push(item);
          }
          const room = rowsField.maxRows - existing.length;
          if (fresh.length > room) {
            refuse(
              fresh.slice(Math.max(0, room)).map((i) => i.line),
              rowsField.key,
              'too_many_rows',
              { max: rowsField.maxRows },
            );
            fresh = fresh.slice(0, Math.max(0, room));
          }
          // The merged form is checked whole; a row it refuses is left out and the rest checked again.
          for (let round = 0; fresh.length > 0; round++) {
            merged = { ...top, [rowsField.key]: [...existing, ...fresh.map((i) => i.row ?? {})] };
            const checked = checkEntry(def, merged);
            if (checked.ok || round > 3) break;
            const bad = new Set<number>();
            for (const e of checked.errors) {
              const m = e.path.match(new RegExp(`^${rowsField.key}\\.(\\d+)\\.(.+)$`));
              const index = m ? Number(m[1]) - existing.length : -1;
              if (index >= 0 && fresh[index]) {
                bad.add(index);
                refuse([fresh[index]!.line], `${rowsField.key}.${m![2]}`, e.code, e.params, e.message);
              } else if (!m) {
                // A problem of the whole day (a field every line left empty): each line is told.
                refuse(
                  fresh.map((i) => i.line),
                  e.path,
                  e.code,
                  e.params,
                  e.message,
                );
                fresh = [];
              }
            }
            fresh = fresh.filter((_, i) => !bad.has(i));
          }
          if (fresh.length === 0) return;
          merged = { ...top, [rowsField.key]: [...existing, ...fresh.map((i) => i.row ?? {})] };
        }
        const checked = checkEntry(def, merged);
        if (!checked.ok) {
          for (const e of checked.errors)
            refuse(
              fresh.map((i) => i.line),
              e.path,
              e.code,
              e.params,
              e.message,
            );
          return;
        }
        result.imported.push(...fresh.map((i) => i.line));
        const revision = (locked?.revision ?? 0) + 1;
        const fields = { status: 'submitted' as const, revision, values: checked.values, updatedBy: p.userId, updatedAt: now, submittedAt: now };
        const [row] = locked
          ? await tx.update(farmForms).set(fields).where(eq(farmForms.id, locked.id)).returning()
          : await tx
              .insert(farmForms)
              .values({ siteId: site.id, formKey: key, formVersion: def.version, day, ...fields })
              .returning();
        const reason = `Imported from ${source}`.slice(0, 500);
        await tx.insert(farmFormRevisions).values({ formId: row!.id, revision, formVersion: row!.formVersion, values: checked.values, reason, submittedBy: p.userId, submittedAt: now });
        await appendAudit(
          tx,
          { actorId: p.userId, action: 'farm_form.import', entityType: 'farm_form', entityId: row!.id, details: { siteId: site.id, form: key, day, revision, lines: fresh.length, source } },
          now,
        );
        // A dry run is worked out to the end, then undone.
        if (dryRun) throw DRY_RUN;
      });
    } catch (err) {
      if (err !== DRY_RUN) throw err;
    }
    return result;
  }

  // --- Overdue: the dashboard and the reminders -------------------------------------------------------

  private async dailyForms(): Promise<string[]> {
    return (await this.currentDefinitions()).filter((d) => d.cadence === 'daily').map((d) => d.key);
  }

  /** The daily forms of a farm's day that are not submitted (drafts count as not submitted). */
  async outstanding(siteId: string, day: string): Promise<string[]> {
    return (await this.outstandingByDay(siteId, [day], await this.dailyForms())).get(day) ?? [];
  }

  /** For each of a farm's days, its daily forms not submitted: one query for all the days. */
  private async outstandingByDay(siteId: string, days: string[], daily: string[]): Promise<Map<string, string[]>> {
    if (daily.length === 0 || days.length === 0) return new Map(days.map((d) => [d, []]));
    const done = await this.deps.db
      .select({ formKey: farmForms.formKey, day: farmForms.day })
      .from(farmForms)
      .where(and(eq(farmForms.siteId, siteId), inArray(farmForms.day, days), eq(farmForms.status, 'submitted'), inArray(farmForms.formKey, daily)));
    const submitted = new Set(done.map((r) => `${r.day}/${r.formKey}`));
    return new Map(days.map((day) => [day, daily.filter((k) => !submitted.has(`${day}/${k}`))]));
  }

  /**
   * Farms whose daily forms are past due by more than the grace period, over the last two weeks: the officer's
   * dashboard (their port's farms), a supervisor's (every farm).
   */
  async overdue(p: Principal): Promise<Array<{ siteId: string; siteName: string; enterpriseName: string; day: string; dueAt: string; forms: string[] }>> {
    requireRole(p, 'officer', 'supervisor', 'admin');
    const farms = await this.farmRows(p.role === 'officer' ? eq(sites.portId, p.portId ?? '00000000-0000-0000-0000-000000000000') : undefined, 500);
    const daily = await this.dailyForms();
    const now = this.clock();
    const out: Array<{ siteId: string; siteName: string; enterpriseName: string; day: string; dueAt: string; forms: string[] }> = [];
    for (const farm of farms) {
      const today = localDay(now, farm.timeZone);
      const first = localDay(farm.createdAt, farm.timeZone);
      const pastGrace = Array.from({ length: OVERDUE_LOOKBACK_DAYS }, (_, i) => addDays(today, i - OVERDUE_LOOKBACK_DAYS)).filter(
        (day) => daysBetween(first, day) >= 0 && now.getTime() >= this.dueAt(day, farm.timeZone).getTime() + this.graceMs,
      );
      const missing = await this.outstandingByDay(farm.id, pastGrace, daily);
      for (const day of pastGrace) {
        const forms = missing.get(day) ?? [];
        if (forms.length > 0) out.push({ siteId: farm.id, siteName: farm.name, enterpriseName: farm.enterpriseName, day, dueAt: this.dueAt(day, farm.timeZone).toISOString(), forms });
      }
      if (out.length >= 200) break;
    }
    return out;
  }

  /** Every farm with its zone (the reminders plan from it). */
  async farms(): Promise<FarmSite[]> {
    return this.farmRows(undefined, 10_000);
  }

  get graceMs(): number {
    return this.deps.graceHours * 3_600_000;
  }

  /**
   * A reminder for a farm's day, once: `due` tells the farm's people which daily forms are missing, `escalated`
   * tells its port's officers. Null when nothing is outstanding or it was sent already; `notBefore` when it is
   * not yet time.
   */
  async recordReminder(siteId: string, day: string, stage: 'due' | 'escalated'): Promise<ReminderOutcome> {
    const site = await this.farm(siteId).catch(() => null);
    if (!site) return null;
    const due = this.dueAt(day, site.timeZone).getTime() + (stage === 'escalated' ? this.graceMs : 0);
    // Early (another node's clock, a due time moved later): the job waits until then.
    if (this.clock().getTime() < due) return { notBefore: new Date(due) };
    const forms = await this.outstanding(siteId, day);
    if (forms.length === 0) return null;
    return this.deps.db.transaction(async (tx) => {
      const [sent] = await tx.insert(formReminders).values({ siteId, day, stage, forms, sentAt: this.clock() }).onConflictDoNothing().returning();
      if (!sent) return null;
      const userIds = stage === 'due' ? await enterpriseUsers(tx, site.enterpriseId) : site.portId ? await portOfficers(tx, site.portId) : [];
      const payload = { siteId, siteName: site.name, enterpriseName: site.enterpriseName, day, forms };
      const kind = stage === 'due' ? 'form.overdue' : 'form.escalated';
      await storeNotifications(tx, userIds, kind, payload);
      return { userIds, kind, payload };
    });
  }
}
