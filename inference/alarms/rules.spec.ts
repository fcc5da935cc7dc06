import { describe, expect, it } from 'vitest';
import { AlarmCooldown, RepeatedRead, cameraFrozen, cameraOffline, countMismatch, matchDeclared, matchKnown, normaliseCode, plateCheck, sealCheck } from './rules.ts';

const frameAt = new Date('2026-11-25T08:00:00Z');

describe('alarm rules', () => {
  it('count_mismatch fires when the counted animals differ from the declared quantity, not when they match', () => {
    expect(countMismatch({ declared: 40, counted: 40, batchId: 'b1', frameAt })).toBeNull();
    expect(countMismatch({ declared: 40, counted: 41, batchId: 'b1', frameAt, tolerance: 1 })).toBeNull();
    expect(countMismatch({ declared: 40, counted: 37, batchId: 'b1', frameAt })).toEqual({
      rule: 'count_mismatch',
      details: { declared: 40, counted: 37, difference: -3, batchId: 'b1' },
      frameAt,
      dedupeKey: 'count:b1',
    });
  });

  it('plate rules: unregistered plate, registered but not the booked vehicle, and nothing for the right one', () => {
    const registered = ['粤ZA123港', 'AB 1234'];
    expect(plateCheck({ plate: '粤Z A123港', confidence: 0.97, registeredPlates: registered, bookedPlate: '粤ZA123港', frameAt })).toBeNull();
    expect(plateCheck({ plate: 'XY9999', confidence: 0.95, registeredPlates: registered, frameAt })).toMatchObject({ rule: 'plate_not_registered', details: { plate: 'XY9999' } });
    expect(plateCheck({ plate: 'ab-1234', confidence: 0.95, registeredPlates: registered, bookedPlate: '粤ZA123港', frameAt })).toMatchObject({
      rule: 'plate_not_booked',
      details: { plate: 'AB1234', booked: '粤ZA123港' },
    });
    // An unsure read is not evidence.
    expect(plateCheck({ plate: 'XY9999', confidence: 0.4, registeredPlates: registered, frameAt })).toBeNull();
  });

  it('matches plates within the configured distance: a misread character is the reader’s, not another vehicle', () => {
    const registered = ['粤ZA123港', 'AB1234'];
    // One character off the booked vehicle (A read as 4): the booked vehicle, no alarm.
    expect(plateCheck({ plate: '粤Z4123港', confidence: 0.95, registeredPlates: registered, bookedPlate: '粤ZA123港', frameAt })).toBeNull();
    // The I of ABI234 (a generic read, as seen) is the registered AB1234.
    expect(plateCheck({ plate: 'ABI234', confidence: 0.95, registeredPlates: registered, frameAt })).toBeNull();
    // Exact matching (distance 0), as a port may configure: the same read is not registered.
    expect(plateCheck({ plate: 'ABI234', confidence: 0.95, registeredPlates: registered, frameAt, maxDistance: 0 })).toMatchObject({ rule: 'plate_not_registered' });
    // Two characters off is another vehicle at distance 1, the same at distance 2.
    expect(plateCheck({ plate: 'AB1299', confidence: 0.95, registeredPlates: registered, frameAt })).toMatchObject({ rule: 'plate_not_registered' });
    expect(plateCheck({ plate: 'AB1299', confidence: 0.95, registeredPlates: registered, frameAt, maxDistance: 2 })).toBeNull();
    // Equally near two vehicles: it tells neither, so it is not matched.
    expect(matchKnown('AB1235', ['AB1234', 'AB1236'], { maxEdits: 1 })).toBeNull();
    expect(matchKnown('粤ZA12港', ['粤ZA123港'], { maxEdits: 1 })).toEqual({ code: '粤ZA123港', corrections: 1 });
    // Short codes must be exact.
    expect(matchKnown('K89', ['K88'], { maxEdits: 1 })).toBeNull();
  });

  it('seal_mismatch fires for a seal number that was not declared', () => {
    expect(sealCheck({ seal: 'sl 8472913', confidence: 0.99, declared: ['SL8472913'], frameAt })).toBeNull();
    expect(sealCheck({ seal: 'SL8479918', confidence: 0.99, declared: ['SL8472913', 'CN1234567'], frameAt })).toMatchObject({
      rule: 'seal_mismatch',
      details: { read: 'SL8479918', declared: ['SL8472913', 'CN1234567'] },
    });
    // One misread character of a declared seal is the reader's: matched, not a mismatch.
    expect(sealCheck({ seal: 'SL8472918', confidence: 0.99, declared: ['SL8472913', 'CN1234567'], frameAt })).toBeNull();
  });

  it('matches a read to the declared code it stands for, within one edit for long codes', () => {
    expect(matchDeclared('vy 3862865', ['VY3862865'])).toEqual({ code: 'VY3862865', corrections: 0 });
    expect(matchDeclared('V13862865', ['VY3862865', 'CN7777777'])).toEqual({ code: 'VY3862865', corrections: 1 });
    expect(matchDeclared('VY386286', ['VY3862865'])).toEqual({ code: 'VY3862865', corrections: 1 });
    expect(matchDeclared('VY38628650', ['VY3862865'])).toEqual({ code: 'VY3862865', corrections: 1 });
    expect(matchDeclared('VY3862', ['VY3862865'])).toBeNull();
    expect(matchDeclared('AB1234', ['AB1235'])).toEqual({ code: 'AB1235', corrections: 1 });
    expect(matchDeclared('AB123', ['AB124'])).toBeNull(); // too short to correct
    // Near two declared seals: neither is claimed.
    expect(matchDeclared('SL8472910', ['SL8472913', 'SL8472915'])).toBeNull();
  });

  it('camera rules: offline when silent, frozen when the picture does not change, nothing when healthy', () => {
    const base = { cameraId: 'c1', offlineAfterMs: 10_000, frozenAfterMs: 30_000, frameAt };
    expect(cameraOffline({ ...base, silentMs: 500 })).toBeNull();
    expect(cameraOffline({ ...base, silentMs: 10_000 })).toMatchObject({ rule: 'camera_offline', details: { cameraId: 'c1', silentMs: 10_000 } });
    expect(cameraFrozen({ ...base, unchangedMs: 1000 })).toBeNull();
    expect(cameraFrozen({ ...base, unchangedMs: 31_000 })).toMatchObject({ rule: 'camera_frozen', details: { cameraId: 'c1', unchangedMs: 31_000 } });
  });

  it('normalises codes as printed', () => {
    expect(normaliseCode(' cn-123 4567 ')).toBe('CN1234567');
    expect(normaliseCode('粤Z·A123港')).toBe('粤ZA123港');
  });
});

describe('alarm cooldown', () => {
  it('suppresses a repeat within the cooldown, admits it after, and forgets old keys', () => {
    const cooldown = new AlarmCooldown(60_000);
    const alarm = sealCheck({ seal: 'X1', confidence: 1, declared: [], frameAt })!;
    const t = frameAt.getTime();
    expect(cooldown.admit(alarm, t)).toBe(true);
    expect(cooldown.admit(alarm, t + 30_000)).toBe(false);
    const other = sealCheck({ seal: 'X2', confidence: 1, declared: [], frameAt })!;
    expect(cooldown.admit(other, t + 30_000)).toBe(true);
    expect(cooldown.admit(alarm, t + 61_000)).toBe(true);
    expect(cooldown.admit(other, t + 200_000)).toBe(true);
    expect(cooldown.size).toBe(1); // X1's entry expired and was dropped
  });

  it('a read counts only when repeated within the window; memory stays bounded', () => {
    const reads = new RepeatedRead({ times: 2, windowMs: 1000, maxTexts: 5 });
    expect(reads.confirm('VD4628', 0)).toBe(false);
    expect(reads.confirm('YP4628', 100)).toBe(false);
    expect(reads.confirm('YP4628', 300)).toBe(true);
    // Too far apart: not a repeat.
    expect(reads.confirm('VD4628', 2000)).toBe(false);
    for (let i = 0; i < 100; i++) reads.confirm(`X${i}`, 3000 + i);
    expect((reads as unknown as { seen: Map<string, number[]> }).seen.size).toBeLessThanOrEqual(6);
  });
});
