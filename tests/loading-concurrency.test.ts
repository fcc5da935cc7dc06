/**
 * A loading record written by several hands at once: two officers ticking the same item, opening or closing
 * a deck together, and reads and notes arriving while one decides. The record's row is locked for each
 * write, so exactly one of each race wins, the others are refused with their reason, and nothing lands on
 * the timeline after the decision. The live layer is a stand-in here (tests/loading-records.test.ts runs
 * the same record on real cameras).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadingRecordService, type LoadingLive } from '../server/services/loading-records.service.ts';
import { servicesWithWorld, type ServiceWorld } from './support/services.ts';

let sw: ServiceWorld;
let dataDir: string;
let records: LoadingRecordService;
let siteId: string;
let deckCamera: string;
let recordId: string;
const batches: string[] = [];
/** Stands in for supervision: the deck camera counts, each deck 20 animals. */
const live: LoadingLive = {
  still: async () => {
    throw new Error('no picture in this test');
  },
  isCounting: async () => true,
  startBatch: async (_cameraId, batchId) => (batches.push(batchId), true),
  endBatch: async (_cameraId, batchId) => (batches.includes(batchId) ? { forward: 20, backward: 0, net: 20 } : null),
  contextChanged: () => {},
};

/** Settles every promise; the reasons of those refused. */
async function race<T>(attempts: Array<Promise<T>>) {
  const settled = await Promise.allSettled(attempts);
  return {
    won: settled.filter((s) => s.status === 'fulfilled').length,
    refused: settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as { reason?: string }).reason] : [])),
  };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-loading-'));
  sw = await servicesWithWorld({ clock: () => new Date(), dataDir });
  const { services, principals, world } = sw;
  siteId = (await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' })).id;
  deckCamera = (await services.admin.createCamera(principals.admin, { siteId, name: 'Deck', sourceUrl: 'udp://127.0.0.1:9', supervision: true, analysis: ['count'] })).id;
  const declaration = await services.declarations.create(principals.admin, {
    number: '530120261000000777',
    siteId,
    enterpriseId: world.enterprises.a,
    portId: world.ports.main,
    goodsDescription: 'Live pigs',
    declaredQuantity: 20,
    quantityUnit: 'head',
    sealNumbers: ['CN1234567'],
  });
  records = new LoadingRecordService({ db: sw.database.db, store: services.store, archive: services.loadingArchive, events: services.events, live });
  recordId = (await records.open(principals.officer1, { declarationId: declaration.id })).id;
});

afterAll(async () => {
  records?.stop();
  await sw?.database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a loading record written by several hands at once', () => {
  it('ticks an item once when two officers tick it together', async () => {
    const { officer1, officer2 } = sw.principals;
    const result = await race([officer1, officer2, officer1, officer2].map((p) => records.check(p, recordId, { item: 'vehicle_disinfected' })));
    expect(result).toEqual({ won: 1, refused: ['check_done', 'check_done', 'check_done'] });
    const { events } = await records.get(officer1, recordId);
    expect(events.filter((e) => e.kind === 'check')).toHaveLength(1);
  });

  it('opens one deck and closes it once, however many ask at the same moment', async () => {
    const { officer1, officer2 } = sw.principals;
    const line = { a: [0.5, 0] as [number, number], b: [0.5, 1] as [number, number] };
    const opened = await race([officer1, officer2, officer1].map((p) => records.openDeck(p, recordId, { cameraId: deckCamera, line })));
    expect(opened).toEqual({ won: 1, refused: ['deck_open', 'deck_open'] });
    const closed = await race([officer1, officer2].map((p) => records.closeDeck(p, recordId)));
    expect(closed).toEqual({ won: 1, refused: ['no_open_deck'] });
    const { record, events } = await records.get(officer1, recordId);
    expect(events.filter((e) => e.kind === 'deck_opened').map((e) => e.payload)).toEqual([expect.objectContaining({ deck: 1 })]);
    expect(record.counted).toBe(20);
  });

  it('puts nothing on the timeline after the decision: notes and reads arriving meanwhile land before it or not at all', async () => {
    const { officer1, officer2 } = sw.principals;
    const notes = Array.from({ length: 6 }, (_, i) => records.note(i % 2 ? officer1 : officer2, recordId, `note ${i}`));
    const read = records.recordRead({ siteId, cameraId: deckCamera, camera: 'Deck', task: 'seal', text: 'CN1234567', confidence: 0.9 });
    const decisions = [records.decide(officer1, recordId, { decision: 'release', reason: 'Counted and sealed' }), records.decide(officer2, recordId, { decision: 'hold', reason: 'Second opinion' })];
    // Settled together: a decision refused while the notes are awaited is never left without a handler.
    const [noted, decided] = await Promise.all([race(notes), race(decisions), read]);
    expect(decided).toEqual({ won: 1, refused: ['loading_record_decided'] });
    expect(noted.refused.every((r) => r === 'loading_record_decided')).toBe(true);
    const { record, events } = await records.get(officer1, recordId);
    expect(record.status === 'released' || record.status === 'held').toBe(true);
    // The decision is the last event, written once; the notes that were taken are all before it.
    expect(events.at(-1)?.kind).toBe('decision');
    expect(events.filter((e) => e.kind === 'decision')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'note')).toHaveLength(noted.won);
    // Refused once decided: whatever comes later changes nothing.
    await expect(records.note(officer1, recordId, 'late')).rejects.toMatchObject({ reason: 'loading_record_decided' });
    await records.recordRead({ siteId, cameraId: deckCamera, camera: 'Deck', task: 'plate', text: '粤ZA123港', confidence: 0.9 });
    expect((await records.get(officer1, recordId)).events).toHaveLength(events.length);
  });
});
