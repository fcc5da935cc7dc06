/**
 * What a new organisation needs beyond creating things: ports, editing, disabling and deleting what was
 * registered (the archive intact), passwords changed and reset, declarations registered and booked once,
 * and errors that say why in a form the web app translates.
 */
import { asc, inArray } from 'drizzle-orm';
import yauzl from 'yauzl';
import { auditLog } from '../server/db/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../server/services/access.ts';
import { HttpClient, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

let platform: TestPlatform;
let world: World;
let sessionId: string;
const principals = {} as Record<UserKey, Principal>;
const as = async (key: UserKey, password = PASSWORD) => {
  const http = new HttpClient(platform.url);
  await http.login(key, password);
  return http;
};
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  ({ sessionId } = await startLiveInspection(platform.services, principals, world, {
    declaration: { number: '530120261000000777', goodsDescription: 'Cartons', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
    type: 'label_rectification',
  }));
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

describe('ports, sites and cameras', () => {
  it('are created, renamed and deleted while nothing refers to them; in use they stay (409 in_use)', async () => {
    const admin = await as('admin');
    const port = await admin.post('/api/admin/ports', { code: 'MO1', name: 'Gongbei' });
    expect(port.status).toBe(201);
    const renamed = await admin.request('PATCH', `/api/admin/ports/${port.body.id}`, { name: 'Gongbei Port' });
    expect(renamed.status).toBe(200);
    expect((await admin.get('/api/ports')).body.find((p: any) => p.id === port.body.id).name).toBe('Gongbei Port');
    // The world's main port has officers, declarations and bookings.
    const inUse = await admin.request('DELETE', `/api/admin/ports/${world.ports.main}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: 'conflict', reason: 'in_use' });
    expect((await admin.request('DELETE', `/api/admin/ports/${port.body.id}`)).status).toBe(200);
    expect((await admin.get('/api/ports')).body.some((p: any) => p.id === port.body.id)).toBe(false);

    const site = await admin.post('/api/admin/sites', { enterpriseId: world.enterprises.a, name: 'Cold store 9', kind: 'warehouse' });
    const camera = await admin.post('/api/admin/cameras', { siteId: site.body.id, name: 'Dock door', sourceUrl: 'rtsp://192.0.2.40/stream' });
    expect((await admin.request('PATCH', `/api/admin/cameras/${camera.body.id}`, { enabled: false, name: 'Dock door 1' })).status).toBe(200);
    const listed = (await admin.get('/api/admin/cameras')).body.find((c: any) => c.id === camera.body.id);
    expect(listed).toMatchObject({ enabled: false, name: 'Dock door 1' });
    // The site has a camera: deleting it would orphan the camera.
    expect((await admin.request('DELETE', `/api/admin/sites/${site.body.id}`)).body.error.reason).toBe('in_use');
    expect((await admin.request('DELETE', `/api/admin/cameras/${camera.body.id}`)).status).toBe(200);
    expect((await admin.request('DELETE', `/api/admin/sites/${site.body.id}`)).status).toBe(200);

    const audit = await platform.database.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(inArray(auditLog.entityId, [port.body.id, camera.body.id]))
      .orderBy(asc(auditLog.seq));
    expect(audit.map((r) => r.action)).toEqual(['port.create', 'port.update', 'port.delete', 'camera.create', 'camera.update', 'camera.delete']);
  });

  it('refuses bad input and other roles, changing nothing', async () => {
    const admin = await as('admin');
    expect((await admin.request('PATCH', `/api/admin/ports/not-a-uuid`, { name: 'x' })).status).toBe(400);
    expect((await admin.request('PATCH', `/api/admin/ports/${world.ports.main}`, { name: '' })).body.error.code).toBe('validation_failed');
    expect((await admin.request('PATCH', `/api/admin/ports/${world.ports.main}`, {})).status).toBe(400);
    expect((await admin.request('PATCH', `/api/admin/cameras/${world.ports.main}`, { name: 'Nothing' })).status).toBe(404);
    const officer = await as('officer2');
    expect((await officer.request('PATCH', `/api/admin/ports/${world.ports.main}`, { name: 'Taken over' })).status).toBe(403);
    expect((await officer.request('DELETE', `/api/admin/users/${world.users.entB.id}`)).status).toBe(403);
    expect((await admin.get('/api/ports')).body.find((p: any) => p.id === world.ports.main).name).toBe('Huangpu Port');
  });
});

describe('users', () => {
  it('a disabled officer can no longer log in, is logged out at once, and their sessions stay in the archive', async () => {
    const admin = await as('admin');
    const officer = await as('officer1');
    expect((await officer.get('/api/auth/me')).status).toBe(200);
    const disabled = await admin.request('PATCH', `/api/admin/users/${world.users.officer1.id}`, { active: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    expect((await officer.get('/api/auth/me')).status).toBe(401);
    const again = await new HttpClient(platform.url).post('/api/auth/login', { username: 'officer1', password: PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('invalid_credentials');

    const supervisor = await as('supervisor');
    const found = await supervisor.get(`/api/archive/sessions?sessionId=${sessionId}`);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0].officerName).toBe('officer1');
    expect((await supervisor.get(`/api/sessions/${sessionId}/timeline`)).status).toBe(200);
    // Someone with a record is not deleted: disabling is the way.
    const deleted = await admin.request('DELETE', `/api/admin/users/${world.users.officer1.id}`);
    expect(deleted.body.error).toMatchObject({ code: 'conflict', reason: 'in_use' });

    expect((await admin.request('PATCH', `/api/admin/users/${world.users.officer1.id}`, { active: true })).status).toBe(200);
    expect((await new HttpClient(platform.url).post('/api/auth/login', { username: 'officer1', password: PASSWORD })).status).toBe(200);
  });

  it('an administrator cannot disable or delete themself; a user with nothing on record is deleted', async () => {
    const admin = await as('admin');
    const self = await admin.request('PATCH', `/api/admin/users/${world.users.admin.id}`, { active: false });
    expect(self.body.error).toMatchObject({ code: 'conflict', reason: 'cannot_disable_self' });
    expect((await admin.request('DELETE', `/api/admin/users/${world.users.admin.id}`)).body.error.reason).toBe('cannot_disable_self');
    const created = await admin.post('/api/admin/users', { username: 'typo.user', displayName: 'Typo', password: PASSWORD, role: 'supervisor' });
    await as('typo.user' as UserKey); // logged in once: a login is not a record of work
    expect((await admin.request('DELETE', `/api/admin/users/${created.body.id}`)).status).toBe(200);
    expect((await new HttpClient(platform.url).post('/api/auth/login', { username: 'typo.user', password: PASSWORD })).status).toBe(401);
    // An officer keeps a port: editing it away is refused.
    const portless = await admin.request('PATCH', `/api/admin/users/${world.users.officer2.id}`, { portId: null });
    expect(portless.body.error).toMatchObject({ code: 'bad_request', reason: 'port_required' });
  });

  it('a reset password is shown once and replaces the old one; the user then changes it, ending their other logins', async () => {
    const admin = await as('admin');
    const before = await as('entB');
    const reset = await admin.post(`/api/admin/users/${world.users.entB.id}/reset-password`);
    expect(reset.status).toBe(200);
    const temporary = reset.body.temporaryPassword as string;
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    expect((await before.get('/api/auth/me')).status).toBe(401);
    expect((await new HttpClient(platform.url).post('/api/auth/login', { username: 'entB', password: PASSWORD })).status).toBe(401);

    const phone = await as('entB', temporary);
    const laptop = await as('entB', temporary);
    const wrong = await phone.post('/api/auth/password', { currentPassword: 'not it at all', newPassword: 'a new long password' });
    expect(wrong.body.error).toMatchObject({ code: 'bad_request', reason: 'current_password_wrong' });
    const short = await phone.post('/api/auth/password', { currentPassword: temporary, newPassword: 'short' });
    expect(short.body.error).toMatchObject({ reason: 'password_too_short', params: { min: 10 } });
    expect((await phone.post('/api/auth/password', { currentPassword: temporary, newPassword: PASSWORD })).status).toBe(200);
    expect((await phone.get('/api/auth/me')).status).toBe(200);
    expect((await laptop.get('/api/auth/me')).status).toBe(401);
    expect((await new HttpClient(platform.url).post('/api/auth/login', { username: 'entB', password: PASSWORD })).status).toBe(200);
  });
});

describe('declarations and bookings', () => {
  it('an enterprise registers a declaration and books it once per slot; a clash says why', async () => {
    const ent = await as('entA');
    const sites = await ent.get('/api/sites');
    expect(sites.status).toBe(200);
    expect(sites.body.every((s: any) => s.enterpriseId === world.enterprises.a)).toBe(true);
    expect((await ent.get('/api/enterprises')).body.map((e: any) => e.id)).toEqual([world.enterprises.a]);
    const declaration = await ent.post('/api/declarations', {
      number: '530120261000004242',
      enterpriseId: world.enterprises.a,
      portId: world.ports.main,
      goodsDescription: 'Canned fruit',
      declaredQuantity: 300,
      quantityUnit: 'carton',
      sealNumbers: ['HK-0042'],
    });
    expect(declaration.status).toBe(201);
    const twice = await ent.post('/api/declarations', { ...JSON.parse(JSON.stringify(declaration.body)), siteId: null, sealNumbers: [] });
    expect(twice.body.error).toMatchObject({ code: 'conflict', reason: 'declaration_number_taken', params: { number: '530120261000004242' } });

    const slot = { declarationId: declaration.body.id, type: 'label_rectification', slotStart: inHours(30), slotEnd: inHours(31) };
    expect((await ent.post('/api/bookings', slot)).status).toBe(201);
    const overlapping = await ent.post('/api/bookings', { ...slot, slotStart: inHours(30.5), slotEnd: inHours(31.5) });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error).toMatchObject({ code: 'conflict', reason: 'declaration_already_booked' });
    // Another time is another inspection.
    expect((await ent.post('/api/bookings', { ...slot, slotStart: inHours(32), slotEnd: inHours(33) })).status).toBe(201);
    // Two requests at once: exactly one gets the slot.
    const race = await Promise.all([0, 1].map(() => ent.post('/api/bookings', { ...slot, slotStart: inHours(40), slotEnd: inHours(41) })));
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('a refused request carries the reason and its parameters, no prose to show', async () => {
    const ent = await as('entA');
    const past = await ent.post('/api/bookings', { declarationId: world.declarations.a, type: 'label_rectification', slotStart: inHours(-2), slotEnd: inHours(-1) });
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({ code: 'slot_invalid', reason: 'slot_in_past' });
    const long = await ent.post('/api/bookings', { declarationId: world.declarations.a, type: 'label_rectification', slotStart: inHours(50), slotEnd: inHours(60) });
    expect(long.body.error).toMatchObject({ code: 'slot_invalid', reason: 'slot_length', params: { min: expect.any(Number), max: expect.any(Number) } });
  });
});

describe('the officer\u2019s day and the archive export', () => {
  it('open alarms of the port are listed for its officers only', async () => {
    await platform.services.alarms.raise({ rule: 'plate_not_registered', dedupeKey: 'plate:XX1', details: { plate: 'XX1' }, frameAt: new Date() }, { sessionId });
    const officer2 = await as('officer2');
    const open = await officer2.get('/api/alarms/open');
    expect(open.status).toBe(200);
    expect(open.body.some((a: any) => a.sessionId === sessionId && a.rule === 'plate_not_registered')).toBe(true);
    expect((await (await as('officerOtherPort')).get('/api/alarms/open')).body).toEqual([]);
    expect((await (await as('entA')).get('/api/alarms/open')).status).toBe(403);
  });

  it('the archive search downloads as an Excel workbook with the same rows', async () => {
    const supervisor = await as('supervisor');
    const res = await fetch(`${platform.url}/api/archive/sessions.xlsx?text=0777`, { headers: { cookie: supervisor.cookieHeader() } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const parts = await unzip(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(parts).sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    const sheet = parts['xl/worksheets/sheet1.xml']!;
    expect(sheet).toContain('<t xml:space="preserve">declaration_number</t>');
    expect(sheet).toContain('530120261000000777');
    expect(sheet.match(/<row /g)).toHaveLength(2);
  });
});

function unzip(zip: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const parts: Record<string, string> = {};
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            parts[entry.fileName] = Buffer.concat(chunks).toString('utf8');
            file.readEntry();
          });
        });
      });
      file.on('end', () => resolve(parts));
      file.readEntry();
    });
  });
}
