/**
 * The API for customs systems, through the real platform: service accounts made by an administrator (the key
 * shown once, scopes, a rate limit, rotation and revocation); declarations, enterprises and vehicles pushed as
 * idempotent upserts by natural key with item-level errors, each change audited with the account as actor;
 * an Idempotency-Key answering a retry the same; the archive read.
 */
import { and, count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, declarations } from '../server/db/schema.ts';
import { loggedInClients, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createWorld, inspectionActors, PASSWORD, startLiveInspection, type World } from './support/world.ts';

let platform: TestPlatform;
let world: World;
const clients = loggedInClients(() => platform.url, PASSWORD);
const admin = () => clients.as('admin');

/** A request as another system makes it: the key as a bearer token, no cookie. */
async function call(key: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, body: (await res.json()) as any };
}

async function makeAccount(name: string, scopes: string[], ratePerMinute = 120) {
  const res = await (await admin()).post('/api/admin/service-accounts', { name, scopes, ratePerMinute });
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string };
}

const pig = (number: string, extra: Record<string, unknown> = {}) => ({
  number,
  enterpriseCustomsCode: '4401100001',
  portCode: 'P1',
  goodsDescription: 'Live pigs for Hong Kong',
  declaredQuantity: 60,
  quantityUnit: 'head',
  sealNumbers: ['sl 8472913'],
  vehiclePlate: '粤Z·A123港',
  validUntil: '2027-01-31',
  ...extra,
});

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

describe('service accounts', () => {
  it('are made by an administrator with scopes; the key is shown once and works only with its scopes', async () => {
    expect((await (await admin()).post('/api/admin/service-accounts', { name: 'Bad', scopes: ['everything'] })).status).toBe(400);
    expect((await (await clients.as('officer1')).post('/api/admin/service-accounts', { name: 'Mine', scopes: ['archive:read'] })).status).toBe(403);
    const erp = await makeAccount('Customs declarations', ['declarations:write', 'enterprises:write']);
    expect(erp.key).toMatch(/^wp_[0-9a-f]{12}_/);
    expect((await (await admin()).post('/api/admin/service-accounts', { name: 'Customs declarations', scopes: ['archive:read'] })).body.error.reason).toBe('service_account_taken');
    expect((await (await admin()).get('/api/admin/service-accounts')).body).toEqual([expect.not.objectContaining({ key: expect.anything() })]);

    const items = [pig('530120261000000500')];
    expect((await call(null, 'POST', '/api/integration/declarations', { items })).body.error.reason).toBe('api_key_missing');
    expect((await call(`${erp.key.slice(0, -2)}xx`, 'POST', '/api/integration/declarations', { items })).body.error.reason).toBe('api_key_invalid');
    const noScope = await call(erp.key, 'POST', '/api/integration/vehicles', { items: [{ plate: '粤B12345', enterpriseCustomsCode: '4401100001' }] });
    expect([noScope.status, noScope.body.error.reason]).toEqual([403, 'scope_missing']);
    // A cookie is not a key.
    expect((await (await admin()).post('/api/integration/declarations', { items })).status).toBe(401);
  });

  it('are rate-limited, rotated and revoked', async () => {
    const slow = await makeAccount('Slow ERP', ['vehicles:write'], 2);
    const items = [{ plate: '粤B12345', enterpriseCustomsCode: '4401100001', description: 'Van' }];
    expect((await call(slow.key, 'POST', '/api/integration/vehicles', { items })).status).toBe(200);
    expect((await call(slow.key, 'POST', '/api/integration/vehicles', { items })).status).toBe(200);
    const third = await call(slow.key, 'POST', '/api/integration/vehicles', { items });
    expect([third.status, third.body.error.reason]).toEqual([429, 'rate_limited']);

    const rotated = (await (await admin()).post(`/api/admin/service-accounts/${slow.id}/rotate`)).body;
    expect(rotated.key).not.toBe(slow.key);
    expect((await call(slow.key, 'POST', '/api/integration/vehicles', { items })).body.error.reason).toBe('api_key_invalid');
    await (await admin()).post(`/api/admin/service-accounts/${slow.id}/revoke`);
    expect((await call(rotated.key, 'POST', '/api/integration/vehicles', { items })).body.error.reason).toBe('api_key_invalid');
  });
});

describe('pushes', () => {
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    const account = await makeAccount('Single window', ['declarations:write', 'enterprises:write', 'vehicles:write']);
    key = account.key;
    accountId = account.id;
  });

  it('upsert enterprises by customs code with their risk class, answering item by item', async () => {
    const res = await call(key, 'POST', '/api/integration/enterprises', {
      items: [
        { customsCode: '4401100009', name: 'Gamma Meat', riskClass: 'B' },
        { customsCode: '4401100001', name: 'Alpha Foods', riskClass: 'D' },
        { customsCode: '4401100002', name: 'Beta Farms', riskClass: 'E' },
        { customsCode: '4401100002', name: 'Beta Farms', riskClass: 'C' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, updated: 1, unchanged: 1, errors: 1 });
    expect(res.body.items[2]).toMatchObject({ index: 2, key: '4401100002', status: 'error', error: { reason: 'invalid', path: 'riskClass' } });
    // The class change is on the enterprise's record, the account its actor.
    const record = (await (await admin()).get(`/api/enterprises/${world.enterprises.a}/record`)).body;
    expect(record.enterprise.riskClass).toBe('D');
    expect(record.riskHistory[0].riskClass).toBe('D');
    const [audit] = await platform.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'enterprise.risk_class'), eq(auditLog.entityId, world.enterprises.a)));
    expect(audit).toMatchObject({ actorId: accountId, details: { riskClass: 'D', serviceAccount: 'Single window' } });
  });

  it('upsert declarations by number: created, unchanged, updated; unknown references and bad fields refused per item', async () => {
    const first = await call(key, 'POST', '/api/integration/declarations', {
      items: [pig('530120261000000501'), pig('530120261000000502', { portCode: 'NOPE' }), pig('5301'), pig('530120261000000503', { enterpriseCustomsCode: '0000000000' })],
    });
    expect(first.body).toMatchObject({ created: 1, errors: 3 });
    expect(first.body.items.map((i: { status: string; error?: { reason: string } }) => i.error?.reason ?? i.status)).toEqual(['created', 'port_unknown', 'invalid', 'enterprise_unknown']);
    const [stored] = await platform.database.db.select().from(declarations).where(eq(declarations.number, '530120261000000501'));
    expect(stored).toMatchObject({ sealNumbers: ['SL8472913'], vehiclePlate: '粤ZA123港', validUntil: '2027-01-31', declaredQuantity: '60.000' });

    expect((await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501')] })).body).toMatchObject({ unchanged: 1 });
    expect((await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501', { declaredQuantity: 58 })] })).body).toMatchObject({ updated: 1 });
    expect((await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501', { enterpriseCustomsCode: '4401100002' })] })).body.items[0].error.reason).toBe(
      'declaration_of_another_enterprise',
    );
    expect((await call(key, 'POST', '/api/integration/declarations', { items: [] })).status).toBe(400);
    expect((await call(key, 'POST', '/api/integration/declarations', { items: Array.from({ length: 501 }, (_, i) => pig(String(530120261000001000 + i))) })).status).toBe(400);
  });

  it('leave an inspected declaration as it was inspected', async () => {
    const { services } = platform;
    const actors = await inspectionActors(services);
    const [decl] = await platform.database.db.select().from(declarations).where(eq(declarations.number, '530120261000000501'));
    // Booked: its port and validity stay; the goods may still be corrected.
    const slotStart = new Date(Date.now() + 5 * 3_600_000);
    const booking = await services.bookings.request(actors.entA, { declarationId: decl!.id, type: 'pre_export_sampling', slotStart, slotEnd: new Date(slotStart.getTime() + 3_600_000) });
    const moved = await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501', { declaredQuantity: 58, validUntil: '2027-02-28' })] });
    expect(moved.body.items[0]).toMatchObject({ status: 'error', error: { reason: 'declaration_booked' } });
    await services.bookings.cancel(actors.entA, booking.id);
    await startLiveInspection(services, actors, world, { declaration: { id: decl!.id }, type: 'pre_export_sampling' });
    const res = await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501', { declaredQuantity: 40 })] });
    expect(res.body.items[0]).toMatchObject({ status: 'error', error: { reason: 'declaration_inspected' } });
    expect((await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000501', { declaredQuantity: 58 })] })).body).toMatchObject({ unchanged: 1 });
  });

  it('answer a retry with the same Idempotency-Key the same, and refuse the key for another request', async () => {
    const headers = { 'idempotency-key': 'batch-2026-12-03-0001' };
    const body = { items: [pig('530120261000000510')] };
    const first = await call(key, 'POST', '/api/integration/declarations', body, headers);
    const retry = await call(key, 'POST', '/api/integration/declarations', body, headers);
    expect(first.body).toMatchObject({ created: 1 });
    expect(retry.body).toEqual(first.body);
    const created = await platform.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'declaration.create'), eq(auditLog.entityId, first.body.items[0].id)));
    expect(created).toHaveLength(1);
    const other = await call(key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000511')] }, headers);
    expect([other.status, other.body.error.reason]).toEqual([409, 'idempotency_key_reused']);
    expect((await call(key, 'POST', '/api/integration/declarations', body, { 'idempotency-key': 'x' })).body.error.reason).toBe('idempotency_key_invalid');
  });
});

describe('a thousand declarations', () => {
  it('land in two batches, one invalid item refused on its own, and a retried batch changes nothing', async () => {
    const { key } = await makeAccount('Declaration feed', ['declarations:write']);
    const all = Array.from({ length: 1000 }, (_, i) => pig(String(530120261000100000n + BigInt(i)), i === 321 ? { declaredQuantity: -1 } : {}));
    const answers = [];
    for (const [n, items] of [all.slice(0, 500), all.slice(500)].entries()) {
      answers.push((await call(key, 'POST', '/api/integration/declarations', { items }, { 'idempotency-key': `feed-2026-12-03-${n}` })).body);
    }
    expect(answers.map((a) => [a.created, a.errors])).toEqual([
      [499, 1],
      [500, 0],
    ]);
    expect(answers[0].items[321]).toMatchObject({ status: 'error', key: '530120261000100321', error: { path: 'declaredQuantity' } });
    const retried = (await call(key, 'POST', '/api/integration/declarations', { items: all.slice(0, 500) }, { 'idempotency-key': 'feed-2026-12-03-0' })).body;
    expect(retried).toEqual(answers[0]);
    // Without the key, the same batch again: every item unchanged.
    expect((await call(key, 'POST', '/api/integration/declarations', { items: all.slice(500) })).body).toMatchObject({ unchanged: 500, created: 0 });
    const [row] = await platform.database.db.select({ n: count() }).from(declarations).where(like(declarations.number, '5301202610001%'));
    expect(row?.n).toBe(999);
  }, 120_000);
});

describe('the archive, read by another system', () => {
  it('lists sessions with their verdicts and gives one with its signed verdict and seal check', async () => {
    const reader = await makeAccount('Audit office', ['archive:read']);
    const { services } = platform;
    const actors = await inspectionActors(services, 'officer2');
    const inspection = await startLiveInspection(services, actors, world, {
      declaration: { number: '530120261000000520', goodsDescription: 'Frozen beef', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
      type: 'destination_inspection',
    });
    await services.verdicts.record(actors.officer1, inspection.sessionId, { outcome: 'pass', findings: '' });
    const list = await call(reader.key, 'GET', '/api/integration/sessions?declarationNumber=530120261000000520');
    expect(list.body.items).toEqual([expect.objectContaining({ sessionId: inspection.sessionId, verdict: 'pass' })]);
    const one = await call(reader.key, 'GET', `/api/integration/sessions/${inspection.sessionId}`);
    expect(one.body.verdict).toMatchObject({ outcome: 'pass', signatureValid: true });
    expect(one.body.verification).toEqual(expect.any(Object));
    expect((await call(reader.key, 'POST', '/api/integration/declarations', { items: [pig('530120261000000521')] })).status).toBe(403);
  });
});
