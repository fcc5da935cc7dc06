/**
 * One access rule for sessions, asked by archive search and by every route that reads a session: for
 * each role, a session the search finds can be opened, and one it does not find answers 404 everywhere.
 * The rule chosen: officers of the session's port read it (a port's officers supervise its enterprises
 * together); only the assigned officer conducts it.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineEventSchema } from '../server/contracts/timeline.ts';
import { archiveCsv } from '../server/archive/archive-csv.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import { startTestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

let platform: Platform;
let world: World;
let sessionId: string;
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;
const clients = {} as Record<UserKey, TestSocketClient>;
const everyone: UserKey[] = ['entA', 'entB', 'brokerA', 'officer1', 'officer2', 'officerOtherPort', 'supervisor', 'admin'];

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
  for (const key of everyone) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  ({ sessionId } = await startLiveInspection(platform.services, principals, world, {
    declaration: { number: '530120261000000777', goodsDescription: 'Cartons', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
    type: 'label_rectification',
  }));
  for (const key of everyone) clients[key] = await connectClient(platform.url, key, sockets);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await platform?.stop();
});

/** Every route that reads one session, with the roles its declaration admits (others get 403 before any lookup). */
const readRoutes: Array<{ name: string; request: (c: TestSocketClient) => Promise<{ status: number }>; roles?: UserKey[] }> = [
  { name: 'timeline', request: (c) => c.http.get(`/api/sessions/${sessionId}/timeline`) },
  { name: 'recordings', request: (c) => c.http.get(`/api/sessions/${sessionId}/recordings`) },
  { name: 'verdict', request: (c) => c.http.get(`/api/sessions/${sessionId}/verdict`) },
  { name: 'verify', request: (c) => c.http.get(`/api/sessions/${sessionId}/verify`) },
  { name: 'loading batches', request: (c) => c.http.get(`/api/sessions/${sessionId}/loading-batches`) },
  { name: 'export', request: (c) => c.http.post(`/api/sessions/${sessionId}/exports`, {}) },
  { name: 'alarms', request: (c) => c.http.get(`/api/sessions/${sessionId}/alarms`), roles: ['officer1', 'officer2', 'officerOtherPort', 'supervisor', 'admin'] },
];

describe('who may read a session', () => {
  it('while live: a same-port officer may read it but not take part; an officer of another port may not see it', async () => {
    await expect(platform.services.inspections.authorizeJoin(principals.officer2, sessionId)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(platform.services.inspections.authorizeJoin(principals.officerOtherPort, sessionId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(platform.services.inspections.sendCommand(principals.officer2, sessionId, { text: 'Open carton 1' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await clients.officer2.http.get(`/api/sessions/${sessionId}/timeline`)).status).toBe(200);
    expect((await clients.officerOtherPort.http.get(`/api/sessions/${sessionId}/timeline`)).status).toBe(404);
    const verdictByColleague = await clients.officer2.http.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass', findings: '' });
    expect(verdictByColleague.status).toBe(403);
  });

  it('after it closed: what archive search finds, every read route opens; what it does not find, every route answers 404', async () => {
    const verdict = await clients.officer1.http.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass', findings: '' });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(201);
    // What was written holds to the timeline contract the web app and sealed exports rely on.
    const timeline = await clients.supervisor.http.get(`/api/sessions/${sessionId}/timeline`);
    expect(
      timelineEventSchema
        .array()
        .parse(timeline.body)
        .map((e) => e.kind),
    ).toContain('verdict');
    const expectedToFind: Record<UserKey, boolean> = {
      entA: true,
      entB: false,
      brokerA: true, // acts for enterprise A by delegation
      officer1: true,
      officer2: true, // same port, not assigned: the rule chosen
      officerOtherPort: false,
      supervisor: true,
      admin: true,
    };
    const answers: Record<string, Record<string, number | boolean>> = {};
    for (const key of everyone) {
      const found = await clients[key].http.get(`/api/archive/sessions?declarationNumber=530120261000000777`);
      expect(found.status).toBe(200);
      const isFound = (found.body.items as Array<{ sessionId: string }>).some((i) => i.sessionId === sessionId);
      answers[key] = { found: isFound };
      for (const route of readRoutes) {
        const { status } = await route.request(clients[key]);
        answers[key]![route.name] = status;
        if (route.roles && !route.roles.includes(key)) expect(status, `${key} ${route.name}`).toBe(403);
        else if (isFound) expect([200, 202], `${key} ${route.name}`).toContain(status);
        else expect(status, `${key} ${route.name}`).toBe(404);
      }
    }
    expect(Object.fromEntries(everyone.map((k) => [k, answers[k]!.found]))).toEqual(expectedToFind);
  }, 60_000);
  it('is found by part of its number or its enterprise name, and downloaded as CSV within the same rule', async () => {
    const search = async (who: UserKey, query: string) => ((await clients[who].http.get(`/api/archive/sessions?${query}`)).body.items as Array<{ sessionId: string }>).map((i) => i.sessionId);
    expect(await search('supervisor', 'declarationNumber=0000777')).toEqual([sessionId]);
    expect(await search('supervisor', 'text=lpha%20foo')).toContain(sessionId); // part of "Alpha Foods", any case
    expect(await search('supervisor', 'text=%25')).toEqual([]); // a literal %, not "anything"
    expect(await search('officerOtherPort', 'declarationNumber=0000777')).toEqual([]);
    expect((await clients.supervisor.http.get(`/api/archive/sessions?text=${'x'.repeat(101)}`)).status).toBe(400);

    const csv = async (who: UserKey) => {
      const res = await fetch(`${platform.url}/api/archive/sessions.csv?declarationNumber=777`, { headers: { cookie: clients[who].cookie } });
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 for spreadsheets
      return bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
    };
    const rows = await csv('officer2');
    expect(rows[0]).toBe('session_id,declaration_number,enterprise,site,officer,inspection_type,started_at,ended_at,verdict,alarms,sealed');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(new RegExp(`^${sessionId},530120261000000777,Alpha Foods,`));
    expect(await csv('officerOtherPort')).toHaveLength(1);
  });

  it('writes CSV cells a spreadsheet reads as text: quoted when needed, formulas made inert', () => {
    const [, row] = archiveCsv([
      {
        sessionId: 's',
        bookingId: 'b',
        declarationNumber: '1',
        enterpriseId: 'e',
        enterpriseName: '=HYPERLINK("x")',
        siteId: null,
        siteName: 'Farm, "north"',
        officerId: null,
        officerName: null,
        type: 'routine_supervision',
        startedAt: 'a',
        endedAt: null,
        verdict: null,
        alarms: 0,
        sealed: true,
      },
    ]).split('\r\n');
    expect(row).toBe(`s,1,"'=HYPERLINK(""x"")","Farm, ""north""",,routine_supervision,a,,,0,true`);
  });
});
