/**
 * The farm's supervision e-forms through the real platform: the farm fills in a daily form (an out-of-range
 * value is refused field by field and nothing is kept), submits, corrects with a reason (the earlier version
 * kept); officers of the port read, comment and return it; a new version of a definition leaves forms filled
 * in under the old one rendering and validating with it; overdue forms reach the officers' dashboard; and a
 * reminder planned before a restart of the platform fires after it.
 *
 * The platform's clock runs ahead of real time (the farm registered "today" is two days old at noon, local
 * time), so days are past due without waiting for a real day.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { addDays, localDay, zonedInstant } from '../server/contracts/local-time.ts';
import { DEFAULT_TIME_ZONE } from '../server/contracts/schedule.ts';
import { farmFormRevisions, farmForms, notifications, users } from '../server/db/schema.ts';
import { FORM_REMINDERS_QUEUE, formReminderJobId } from '../server/jobs/form-reminders.ts';
import { redisConnectionOptions } from '../server/infra/redis.ts';
import type { Principal } from '../server/services/access.ts';
import { HttpClient, loggedInClients, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, type UserKey, type World } from './support/world.ts';

/** The real local day the farm is registered on, and the clock two days on at 12:00 local. */
const D = localDay(new Date(), DEFAULT_TIME_ZONE);
const aheadBy = (instant: Date) => {
  const offset = instant.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
};

let platform: TestPlatform;
const farmClock = aheadBy(zonedInstant(addDays(D, 2), '12:00', DEFAULT_TIME_ZONE));
let world: World;
let siteId: string;
const principals = {} as Record<UserKey, Principal>;
const clients = loggedInClients(() => platform.url, PASSWORD);
const as = (key: UserKey) => clients.as(key);

const formUrl = (key: string, day: string) => `/api/farms/${siteId}/forms/${key}/${day}`;
const put = async (who: UserKey, key: string, day: string, values: unknown) => (await as(who)).request('PUT', formUrl(key, day), { values });

const husbandry = { herdAtStart: 120, herdAtEnd: 119, feedGiven: 310.5, waterOk: true, penTemperature: 18, abnormal: false, keeper: 'Li Wei' };

beforeAll(async () => {
  platform = await startTestPlatform({ clock: farmClock });
  world = await createWorld(platform.services);
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  siteId = (await platform.services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Lychee Hill pig farm', kind: 'farm' })).id;
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

describe('a daily form', () => {
  it('refuses an out-of-range value and a missing one field by field, and keeps nothing', async () => {
    const res = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/submit`, { values: { ...husbandry, penTemperature: 80, keeper: '', nonsense: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.reason).toBe('form_invalid');
    const byPath = Object.fromEntries((res.body.error.details as Array<{ path: string; code: string; params?: Record<string, number> }>).map((e) => [e.path, e]));
    expect(byPath.penTemperature).toMatchObject({ code: 'above_max', params: { max: 50 } });
    expect(byPath.keeper?.code).toBe('required');
    expect(byPath.nonsense?.code).toBe('unknown_field');
    const stored = await platform.database.db.select().from(farmForms).where(eq(farmForms.siteId, siteId));
    expect(stored).toHaveLength(0);
    expect((await (await as('entA')).get(formUrl('husbandry_daily', D))).body.entry).toBeNull();
  });

  it('checks the rules across fields, in repeating rows too', async () => {
    const clinical = await (await as('entA')).post(`${formUrl('clinical_inspection', D)}/submit`, { values: { pens: 4, animalsSeen: 10, animalsAbnormal: 12, inspector: 'Li Wei' } });
    expect(clinical.status).toBe(400);
    expect(clinical.body.error.details).toEqual([
      expect.objectContaining({ path: 'animalsAbnormal', code: 'rule', message: expect.objectContaining({ en: expect.stringContaining('More animals') }) }),
    ]);
    const people = [{ name: 'Vet Zhang', kind: 'vet', in: '14:00', out: '09:00', showered: true }];
    const visitors = await (await as('entA')).post(`${formUrl('staff_visitors', D)}/submit`, { values: { people } });
    expect(visitors.status).toBe(400);
    expect(visitors.body.error.details).toEqual([expect.objectContaining({ path: 'people.0.in', code: 'rule' })]);
    const tooMany = await (await as('entA')).post(`${formUrl('staff_visitors', D)}/submit`, { values: { people: Array.from({ length: 201 }, () => people[0]) } });
    expect(tooMany.body.error.details).toEqual([expect.objectContaining({ path: 'people', code: 'too_many_rows' })]);
  });

  it('keeps a draft with what is there, submits it whole, and corrects it with a reason keeping the earlier version', async () => {
    const draft = await put('entA', 'husbandry_daily', D, { herdAtStart: 120 });
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ status: 'draft', revision: 0, state: 'overdue' });
    expect((await put('entA', 'husbandry_daily', D, { herdAtStart: -1 })).body.error.details[0]).toMatchObject({ path: 'herdAtStart', code: 'below_min' });

    const submitted = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/submit`, { values: husbandry });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'submitted', revision: 1, state: 'submitted' });
    expect((await put('entA', 'husbandry_daily', D, husbandry)).body.error.reason).toBe('form_submitted');
    expect((await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/submit`, { values: husbandry })).body.error.reason).toBe('form_submitted');

    const noReason = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/correct`, { values: husbandry });
    expect(noReason.status).toBe(400);
    const corrected = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/correct`, { values: { ...husbandry, herdAtEnd: 118 }, reason: 'One death recorded late' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.revision).toBe(2);
    expect(corrected.body.revisions.map((r: { reason: string | null }) => r.reason)).toEqual([null, 'One death recorded late']);
    const first = await (await as('officer1')).get(`${formUrl('husbandry_daily', D)}/revisions/1`);
    expect(first.body.values.herdAtEnd).toBe(119);
    expect((await platform.database.db.select().from(farmFormRevisions)).length).toBe(2);
  });

  it('is read by the port and the enterprise only; officers comment and return it, the farm is told and corrects it', async () => {
    expect((await (await as('entB')).get(formUrl('husbandry_daily', D))).status).toBe(404);
    expect((await (await as('officerOtherPort')).get(formUrl('husbandry_daily', D))).status).toBe(404);
    expect((await put('officer1', 'husbandry_daily', D, husbandry)).status).toBe(403);
    expect((await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/notes`, { text: 'fine' })).status).toBe(403);

    const returned = await (await as('officer1')).post(`${formUrl('husbandry_daily', D)}/notes`, { text: 'Feed does not match the feed record', returnForCorrection: true });
    expect(returned.status).toBe(201);
    expect(returned.body).toMatchObject({ status: 'returned', notes: [expect.objectContaining({ returned: true, author: expect.any(String) })] });
    const told = await platform.database.db
      .select({ kind: notifications.kind })
      .from(notifications)
      .innerJoin(users, eq(users.id, notifications.userId))
      .where(and(eq(users.username, 'entA'), eq(notifications.kind, 'form.note')));
    expect(told).toHaveLength(1);
    expect((await (await as('officer1')).post(`${formUrl('feed_use', D)}/notes`, { text: 'nothing here', returnForCorrection: true })).status).toBe(404);

    const again = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/correct`, { values: { ...husbandry, feedGiven: 300 }, reason: 'Feed weighed again' });
    expect(again.body).toMatchObject({ status: 'submitted', revision: 3 });
  });

  it('refuses a day that has not begun at the farm and a day that does not exist', async () => {
    expect((await put('entA', 'husbandry_daily', addDays(D, 3), husbandry)).body.error.reason).toBe('day_in_future');
    expect((await put('entA', 'husbandry_daily', '2026-02-30', husbandry)).status).toBe(400);
    expect((await put('entA', 'no_such_form', D, husbandry)).status).toBe(404);
  });

  it('lets exactly one of two first submissions win', async () => {
    const day = addDays(D, 1);
    const farm = await as('entA');
    const results = await Promise.all([0, 1].map(() => farm.post(`${formUrl('husbandry_daily', day)}/submit`, { values: husbandry })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(['form_changed', 'form_submitted']).toContain(results.find((r) => r.status === 409)!.body.error.reason);
  });
});

describe('a new version of a definition', () => {
  it('applies to new forms while forms filled in under the old one render and validate with it', async () => {
    const admin = await as('admin');
    const current = (await admin.get('/api/forms/definitions/husbandry_daily/1')).body;
    const water = { key: 'waterUsed', type: 'number', label: { 'zh-CN': '用水量', en: 'Water used', ru: 'Расход воды' }, min: 0, max: 100000 };
    const v2 = { ...current, version: 2, fields: [...current.fields, water] };
    expect((await admin.post('/api/admin/form-definitions', { ...v2, version: 3 })).body.error.reason).toBe('form_version_not_next');
    expect((await admin.post('/api/admin/form-definitions', { ...v2, fields: [...v2.fields, water] })).status).toBe(400);
    expect((await (await as('officer1')).post('/api/admin/form-definitions', v2)).status).toBe(403);
    expect((await admin.post('/api/admin/form-definitions', v2)).status).toBe(201);

    // The form of day D stays on version 1: it renders with it, and a correction is checked against it.
    const old = (await (await as('entA')).get(formUrl('husbandry_daily', D))).body;
    expect(old.definition.version).toBe(1);
    expect(old.entry.formVersion).toBe(1);
    const v2OnOld = await (await as('entA')).post(`${formUrl('husbandry_daily', D)}/correct`, { values: { ...husbandry, waterUsed: 5 }, reason: 'water' });
    expect(v2OnOld.body.error.details).toEqual([expect.objectContaining({ path: 'waterUsed', code: 'unknown_field' })]);
    // A new day's form is filled in under version 2.
    const day = addDays(D, 2);
    expect((await (await as('entA')).get(formUrl('husbandry_daily', day))).body.definition.version).toBe(2);
    const fresh = await (await as('entA')).post(`${formUrl('husbandry_daily', day)}/submit`, { values: { ...husbandry, waterUsed: 5 } });
    expect(fresh.body).toMatchObject({ formVersion: 2, status: 'submitted' });
  });
});

describe('overdue forms', () => {
  it('shows what is missing past due on the calendar, and past the grace period on the officers dashboard', async () => {
    const overview = (await (await as('entA')).get(`/api/farms/${siteId}/forms?from=${D}&to=${addDays(D, 2)}`)).body;
    const stateOf = (day: string, key: string) => overview.days.find((d: { day: string }) => d.day === day).forms.find((f: { key: string }) => f.key === key).state;
    expect(stateOf(D, 'husbandry_daily')).toBe('submitted');
    expect(stateOf(D, 'feed_use')).toBe('overdue');
    expect(stateOf(D, 'animal_intake')).toBe('missing');
    // Today's forms are not due before tomorrow morning.
    expect(stateOf(addDays(D, 2), 'feed_use')).toBe('missing');
    expect((await (await as('entA')).get(`/api/farms/${siteId}/forms?from=${D}&to=${addDays(D, 40)}`)).body.error.reason).toBe('range_too_long');

    // Day D was due yesterday at 10:00 and the grace (24 h) ended today at 10:00; day D+1 is within its grace.
    const dashboard = (await (await as('officer1')).get('/api/forms/overdue')).body.overdue;
    expect(dashboard).toEqual([expect.objectContaining({ siteId, day: D, forms: expect.arrayContaining(['feed_use', 'clinical_inspection']) })]);
    expect(dashboard[0].forms).not.toContain('husbandry_daily');
    expect((await (await as('officerOtherPort')).get('/api/forms/overdue')).body.overdue).toEqual([]);
    expect((await (await as('entA')).get('/api/forms/overdue')).status).toBe(403);
  });
});

describe('ERP import', () => {
  /** Uploads a file as the import API takes it (the file itself as the body). */
  async function upload(who: UserKey, name: string, body: Buffer | string, form: string, options: { dryRun?: boolean; contentType?: string; site?: string } = {}) {
    const http = await as(who);
    const res = await fetch(`${platform.url}/api/farms/${options.site ?? siteId}/imports?form=${form}&name=${encodeURIComponent(name)}&dryRun=${options.dryRun ?? false}`, {
      method: 'POST',
      headers: { cookie: http.cookieHeader(), 'content-type': options.contentType ?? 'application/octet-stream' },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  async function finished(who: UserKey, id: string) {
    return waitFor(async () => {
      const view = (await (await as(who)).get(`/api/imports/${id}`)).body;
      return view.status !== 'running' ? view : null;
    }, 'the import to finish');
  }
  const rowsOf = async (form: string, day: string) => ((await (await as('entA')).get(formUrl(form, day))).body.entry?.values ?? {}) as Record<string, any>;

  // Vehicle entries as a Chinese ERP exports them: the form's own labels as headers, one vehicle a line.
  const header = '日期,车牌号,用途,司机,进场时间,离场时间,已消毒';
  const vehicleCsv = [
    header,
    `${addDays(D, 1)},粤B12345,运输饲料,王强,08:10,08:40,是`.replace('运输饲料', 'feed'),
    `${addDays(D, 1)},粤B22222,animals,,9:05,10:00,yes`,
    `${addDays(D, 1)},"粤B3333, 挂",other,"Li ""Big"" Wei",11:00,,否`,
    `${addDays(D, 1)},粤B44444,feed,,25:00,,是`,
    `${addDays(D, 1)},粤B55555,spaceship,,12:00,,是`,
    `${addDays(D, 1)},粤B66666,feed,,14:00,13:00,是`,
    `${addDays(D, 9)},粤B77777,feed,,14:00,,是`,
  ].join('\r\n');

  it('imports the good lines of a CSV, reports each bad one by line and field, and changes nothing when imported again', async () => {
    const started = await upload('entA', 'vehicles.csv', vehicleCsv, 'vehicle_entry');
    expect(started.status).toBe(202);
    const done = await finished('entA', started.body.id);
    expect(done).toMatchObject({ status: 'done', lines: 7, imported: 3, unchanged: 0, refused: 4, progress: 100 });
    expect(done.columns).toMatchObject({ 'vehicles.plate': '车牌号', 'vehicles.in': '进场时间', 'vehicles.disinfected': '已消毒' });
    const problems = done.problems.map((p: { line: number; field: string; code: string }) => `${p.line} ${p.field} ${p.code}`);
    expect(problems).toEqual(['5 vehicles.in not_a_time', '6 vehicles.purpose not_a_choice', '7 vehicles.in rule', '8 日期 day_in_future']);
    const stored = await rowsOf('vehicle_entry', addDays(D, 1));
    expect(stored.vehicles.map((v: { plate: string }) => v.plate)).toEqual(['粤B12345', '粤B22222', '粤B3333, 挂']);
    expect(stored.vehicles[2]).toMatchObject({ driver: 'Li "Big" Wei', disinfected: false });
    expect(stored.vehicles[1].in).toBe('09:05');

    const report = await fetch(`${platform.url}/api/imports/${done.id}/report`, { headers: { cookie: (await as('entA')).cookieHeader() } });
    expect(report.headers.get('content-type')).toContain('text/csv');
    const lines = (await report.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('line,field,problem,detail');
    expect(lines).toHaveLength(5);

    const again = await finished('entA', (await upload('entA', 'vehicles.csv', vehicleCsv, 'vehicle_entry')).body.id);
    expect(again).toMatchObject({ imported: 0, unchanged: 3, refused: 4 });
    expect((await rowsOf('vehicle_entry', addDays(D, 1))).vehicles).toHaveLength(3);
    const entry = (await (await as('entA')).get(formUrl('vehicle_entry', addDays(D, 1)))).body.entry;
    expect(entry.revision).toBe(1);
  });

  it('imports an Excel workbook (shared strings, Excel dates) and keeps a day already submitted as it was', async () => {
    const excelDay = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000 + 25569;
    const rows = [
      ['Date', 'Herd at the start of the day', 'Herd at the end of the day', 'Feed given', 'Water supply normal', 'Anything abnormal', 'Keeper', 'Pen temperature'],
      [excelDay(addDays(D, -1)), 118, 118, 295, 'yes', 'no', 'Li Wei', 17.5],
      [addDays(D, -2), 118, 117, 290, true, false, 'Li Wei', ''],
      [addDays(D, -3), -5, 117, 290, 'yes', 'no', 'Li Wei', ''],
      [D, 120, 119, 999, 'yes', 'no', 'Li Wei', ''],
    ];
    const { xlsxWorkbook } = await import('../server/archive/archive-xlsx.ts');
    const book = await xlsxWorkbook(rows, { sharedStrings: true });
    const done = await finished('entA', (await upload('entA', 'husbandry.xlsx', book, 'husbandry_daily')).body.id);
    expect(done).toMatchObject({ status: 'done', format: 'xlsx', lines: 4, imported: 2, refused: 2 });
    expect(done.problems.map((p: { line: number; field: string; code: string }) => `${p.line} ${p.field} ${p.code}`)).toEqual(['4 herdAtStart below_min', '5  day_already_submitted']);
    expect(await rowsOf('husbandry_daily', addDays(D, -1))).toMatchObject({ herdAtStart: 118, penTemperature: 17.5, waterOk: true });
    expect((await rowsOf('husbandry_daily', D)).feedGiven).toBe(300);
  });

  it('works a dry run out to the end and writes nothing', async () => {
    const csv = `${header}\r\n${addDays(D, 2)},粤C10001,feed,,07:00,07:30,是\r\n${addDays(D, 2)},粤C10002,feed,,07:40,,是`;
    const done = await finished('entA', (await upload('entA', 'plan.csv', csv, 'vehicle_entry', { dryRun: true })).body.id);
    expect(done).toMatchObject({ dryRun: true, imported: 2, refused: 0 });
    expect((await (await as('entA')).get(formUrl('vehicle_entry', addDays(D, 2)))).body.entry).toBeNull();
  });

  it('reads columns by the enterprise saved mapping', async () => {
    const http = await as('entA');
    const bad = await http.request('PUT', `/api/farms/${siteId}/import-mappings/staff_visitors`, { day: 'Datum', fields: { 'people.nmae': 'Wer' } });
    expect(bad.status).toBe(400);
    const saved = await http.request('PUT', `/api/farms/${siteId}/import-mappings/staff_visitors`, {
      day: 'Datum',
      fields: { 'people.name': 'Wer', 'people.kind': 'Art', 'people.in': 'Ein', 'people.showered': 'Dusche' },
    });
    expect(saved.status).toBe(200);
    const csv = `Datum;Wer;Art;Ein;Dusche\n${D};Zhang San;vet;08:00;ja\n${D};Li Si;staff;07:30;yes`;
    const done = await finished('entA', (await upload('entA', 'people.csv', csv, 'staff_visitors')).body.id);
    expect(done).toMatchObject({ imported: 1, refused: 1 });
    expect(done.problems[0]).toMatchObject({ line: 2, field: 'people.showered', code: 'not_yes_no' });
  });

  it('takes records pushed by the ERP once', async () => {
    const records = [{ day: addDays(D, 2), values: { items: [{ product: 'Grower feed', kind: 'complete_feed', amount: 420 }] } }];
    const first = await (await as('entA')).post(`/api/farms/${siteId}/forms/feed_use/records`, { records });
    expect(first.body).toMatchObject({ imported: 1, unchanged: 0, refused: [] });
    const second = await (await as('entA')).post(`/api/farms/${siteId}/forms/feed_use/records`, { records });
    expect(second.body).toMatchObject({ imported: 0, unchanged: 1 });
    const bad = await (await as('entA')).post(`/api/farms/${siteId}/forms/feed_use/records`, { records: [{ day: D, values: { items: [{ product: 'x', kind: 'candy', amount: -1 }] } }] });
    expect(bad.body.refused.map((p: { field: string; code: string }) => `${p.field} ${p.code}`)).toEqual(['items.0.kind not_a_choice', 'items.0.amount below_min']);
  });

  it('reads the sample files the README points to (their days moved to this week)', async () => {
    const samples = path.join(import.meta.dirname, '..', 'scripts', 'samples');
    const shift = (text: string) => text.replaceAll('2026-12-01', addDays(D, -5)).replaceAll('2026-12-02', addDays(D, -4));
    const csv = await finished('entA', (await upload('entA', 'vehicle-entry.csv', shift(fs.readFileSync(path.join(samples, 'vehicle-entry.csv'), 'utf8')), 'vehicle_entry')).body.id);
    expect(csv).toMatchObject({ status: 'done', lines: 7, imported: 4, refused: 3 });
    const jsonl = await finished('entA', (await upload('entA', 'staff-visitors.jsonl', shift(fs.readFileSync(path.join(samples, 'staff-visitors.jsonl'), 'utf8')), 'staff_visitors')).body.id);
    expect(jsonl).toMatchObject({ status: 'done', lines: 3, imported: 2, refused: 1 });
    expect(jsonl.problems[0]).toMatchObject({ line: 3, field: 'people.in', code: 'rule' });
  });

  it('keeps what an import wrote when the platform stops mid-way, and the same file again imports the rest once', async () => {
    // 57 000 vehicle entries over 300 days: the import is still running when the platform stops.
    const TOTAL = 57_000;
    const lines = ['date,vehicles.plate,vehicles.purpose,vehicles.in,vehicles.disinfected'];
    const at = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    for (let back = 300; back > 0; back--) for (let i = 0; i < 190; i++) lines.push(`${addDays(D, -back - 10)},粤F${String(10000 + i)},feed,${at(300 + i * 5)},是`);
    const csv = lines.join('\n');
    const started = await upload('entA', 'year.csv', csv, 'vehicle_entry');
    await waitFor(async () => ((await (await as('entA')).get(`/api/imports/${started.body.id}`)).body.imported > 0 ? true : null), 'the first lines imported');
    platform.keepData();
    await platform.stop();
    platform = await startTestPlatform({ restartOf: platform, clock: farmClock });
    clients.clear();
    const cut = (await (await as('entA')).get(`/api/imports/${started.body.id}`)).body;
    expect(cut.status).toBe('interrupted');
    expect(cut.imported).toBeGreaterThan(0);
    expect(cut.imported).toBeLessThan(TOTAL);

    const again = await finished('entA', (await upload('entA', 'year.csv', csv, 'vehicle_entry')).body.id);
    expect(again).toMatchObject({ status: 'done', lines: TOTAL, refused: 0 });
    expect(again.unchanged).toBe(cut.imported);
    expect(again.imported).toBe(TOTAL - cut.imported);
    const stored = await platform.database.db
      .select({ values: farmForms.values })
      .from(farmForms)
      .where(and(eq(farmForms.siteId, siteId), eq(farmForms.formKey, 'vehicle_entry')));
    expect(stored.reduce((n, r) => n + ((r.values as { vehicles?: Array<{ plate: string }> }).vehicles?.filter((v) => v.plate.startsWith('粤F')).length ?? 0), 0)).toBe(TOTAL);
  }, 120_000);

  it('refuses what is not a file it reads, and a farm of another enterprise', async () => {
    expect((await upload('entA', 'scan.pdf', 'x', 'vehicle_entry')).status).toBe(415);
    expect((await upload('entA', 'v.json', '[]', 'vehicle_entry', { contentType: 'application/json' })).status).toBe(415);
    expect((await upload('entB', 'vehicles.csv', vehicleCsv, 'vehicle_entry')).status).toBe(404);
    expect((await upload('officer1', 'vehicles.csv', vehicleCsv, 'vehicle_entry')).status).toBe(403);
    const noDay = await finished('entA', (await upload('entA', 'x.csv', 'a,b\n1,2', 'vehicle_entry')).body.id);
    expect(noDay).toMatchObject({ status: 'failed', failure: 'import_no_day_column' });
    const broken = await finished('entA', (await upload('entA', 'x.xlsx', 'not a zip', 'vehicle_entry')).body.id);
    expect(broken).toMatchObject({ status: 'failed', failure: 'unreadable_file' });
  });
});

describe('reminders', () => {
  it('fires an overdue reminder planned before a restart of the platform, after it, once', async () => {
    // A farm of its own (nothing filled in). The next start sees its day D+2 due in a few seconds; it plans
    // the reminder and is stopped.
    const today = addDays(D, 2);
    const admin = (await platform.services.auth.login('admin', PASSWORD)).principal;
    const farmId = (await platform.services.admin.createSite(admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Hillside pig farm', kind: 'farm' })).id;
    platform.keepData();
    await platform.stop();
    const dueSoon = aheadBy(new Date(zonedInstant(addDays(today, 1), '10:00', DEFAULT_TIME_ZONE).getTime() - 6000));
    platform = await startTestPlatform({ restartOf: platform, clock: dueSoon });
    clients.clear();
    const queue = new Queue(FORM_REMINDERS_QUEUE, { connection: redisConnectionOptions(inject('redisUrl')), prefix: platform.redisPrefix });
    try {
      const jobId = formReminderJobId('due', farmId, today);
      const planned = await waitFor(async () => (await queue.getJob(jobId)) ?? null, 'the reminder planned', 15_000);
      expect(await planned.getState()).toBe('delayed');
      platform.keepData();
      await platform.stop();
      await new Promise((r) => setTimeout(r, 7000));

      const restartedAt = Date.now();
      platform = await startTestPlatform({ restartOf: platform, clock: dueSoon });
      const sent = await waitFor(
        async () => {
          const rows = await platform.database.db
            .select({ payload: notifications.payload })
            .from(notifications)
            .innerJoin(users, eq(users.id, notifications.userId))
            .where(and(eq(users.username, 'entA'), eq(notifications.kind, 'form.overdue')));
          const forToday = rows.filter((r) => (r.payload as { day: string; siteId: string }).day === today && (r.payload as { siteId: string }).siteId === farmId);
          return forToday.length > 0 ? forToday : null;
        },
        'the overdue reminder',
        20_000,
      );
      expect(sent).toHaveLength(1);
      expect((sent[0]!.payload as { forms: string[] }).forms).toEqual(['clinical_inspection', 'disinfection', 'feed_use', 'husbandry_daily', 'staff_visitors', 'vehicle_entry']);
      // The job completes just after it stored the notification.
      const job = await waitFor(async () => {
        const found = await queue.getJob(jobId);
        return found?.finishedOn ? found : null;
      }, 'the reminder job finished');
      expect(job.timestamp).toBeLessThan(restartedAt);
      expect(job.finishedOn).toBeGreaterThan(restartedAt);
    } finally {
      await queue.close();
    }
  }, 90_000);
});
