/**
 * The alarm rules: pure functions from what the vision models saw (and what was declared or registered)
 * to alarms. Each alarm names its rule, the values it compared and the frame time, so an officer (and
 * later a supervisor) can see exactly why it fired. No I/O here: persistence and pushing are the server's.
 */

export type AlarmRule =
  | 'count_mismatch'
  | 'plate_not_registered'
  | 'plate_not_booked'
  | 'seal_mismatch'
  | 'camera_offline'
  | 'camera_frozen'
  | 'animals_in_isolation'
  | 'vehicle_without_loading_record';

export interface AlarmCandidate {
  rule: AlarmRule;
  /** What the rule compared, e.g. { declared: 40, counted: 37 }. */
  details: Record<string, unknown>;
  frameAt: Date;
  /** Repeats with the same key within the cooldown are one alarm. */
  dedupeKey: string;
}

/** Plates and seals are compared as uppercase without spaces or separators. */
export const normaliseCode = (raw: string) => raw.toUpperCase().replace(/[\s\-_.·•]/g, '');

/** A loading batch was closed: the animals counted across the line must match the declared quantity. */
export function countMismatch(input: { declared: number; counted: number; batchId: string; frameAt: Date; tolerance?: number }): AlarmCandidate | null {
  const tolerance = input.tolerance ?? 0;
  if (Math.abs(input.counted - input.declared) <= tolerance) return null;
  return {
    rule: 'count_mismatch',
    details: { declared: input.declared, counted: input.counted, difference: input.counted - input.declared, batchId: input.batchId },
    frameAt: input.frameAt,
    dedupeKey: `count:${input.batchId}`,
  };
}

/** A plate read at a supervised site: registered for the enterprise, and the booked vehicle when there is one. */
export function plateCheck(input: { plate: string; confidence: number; registeredPlates: string[]; bookedPlate?: string | null; frameAt: Date; minConfidence?: number }): AlarmCandidate | null {
  if (input.confidence < (input.minConfidence ?? 0.8)) return null; // an unsure read is not evidence
  const plate = normaliseCode(input.plate);
  const registered = new Set(input.registeredPlates.map(normaliseCode));
  if (!registered.has(plate)) {
    return { rule: 'plate_not_registered', details: { plate, confidence: input.confidence, registered: [...registered] }, frameAt: input.frameAt, dedupeKey: `plate:${plate}` };
  }
  const booked = input.bookedPlate ? normaliseCode(input.bookedPlate) : null;
  if (booked && booked !== plate) {
    return { rule: 'plate_not_booked', details: { plate, booked, confidence: input.confidence }, frameAt: input.frameAt, dedupeKey: `plate-booked:${plate}` };
  }
  return null;
}

/**
 * The declared code a read stands for: the same, or (for codes of six characters or more) one edit away,
 * since what was declared is the prior and a single misread character (V13862865 for VY3862865) is the
 * reader's, not the seal's. Null when no declared code is that close (or two are).
 */
export function matchDeclared(read: string, declared: string[]): { code: string; corrections: number } | null {
  const text = normaliseCode(read);
  const codes = [...new Set(declared.map(normaliseCode))];
  if (codes.includes(text)) return { code: text, corrections: 0 };
  if (text.length < 6) return null;
  const near = codes.filter((code) => withinOneEdit(text, code));
  return near.length === 1 ? { code: near[0]!, corrections: 1 } : null;
}

/** One substitution, insertion or deletion turns a into b (or none). */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** A seal number read must be one of those declared (within one misread character: matchDeclared). */
export function sealCheck(input: { seal: string; confidence: number; declared: string[]; frameAt: Date; minConfidence?: number }): AlarmCandidate | null {
  if (input.confidence < (input.minConfidence ?? 0.8)) return null;
  const seal = normaliseCode(input.seal);
  const declared = input.declared.map(normaliseCode);
  if (matchDeclared(seal, declared)) return null;
  return { rule: 'seal_mismatch', details: { read: seal, declared, confidence: input.confidence }, frameAt: input.frameAt, dedupeKey: `seal:${seal}` };
}

/** A camera that has sent nothing for too long (the ingest measures the silence). */
export function cameraOffline(input: { cameraId: string; silentMs: number; offlineAfterMs: number; frameAt: Date }): AlarmCandidate | null {
  if (input.silentMs < input.offlineAfterMs) return null;
  return { rule: 'camera_offline', details: { cameraId: input.cameraId, silentMs: input.silentMs }, frameAt: input.frameAt, dedupeKey: `offline:${input.cameraId}` };
}

/** A camera whose picture has not changed for too long (mean absolute frame difference below threshold). */
/** Animals seen in an isolation pen that must be empty (seen over several results in a row: not one misdetection). */
export function isolationOccupied(input: { zoneId: string; zone: string; animals: number; frameAt: Date }): AlarmCandidate | null {
  if (input.animals <= 0) return null;
  return { rule: 'animals_in_isolation', details: { zone: input.zone, zoneId: input.zoneId, animals: input.animals }, frameAt: input.frameAt, dedupeKey: `isolation:${input.zoneId}` };
}

/** A vehicle read in the loading bay while the farm has no open loading record: loading nobody supervises. */
export function vehicleWithoutRecord(input: { plate: string; zoneId: string; zone: string; loadingRecordOpen: boolean; frameAt: Date }): AlarmCandidate | null {
  if (input.loadingRecordOpen) return null;
  const plate = normaliseCode(input.plate);
  return { rule: 'vehicle_without_loading_record', details: { plate, zone: input.zone, zoneId: input.zoneId }, frameAt: input.frameAt, dedupeKey: `bay:${input.zoneId}:${plate}` };
}

export function cameraFrozen(input: { cameraId: string; unchangedMs: number; frozenAfterMs: number; frameAt: Date }): AlarmCandidate | null {
  if (input.unchangedMs < input.frozenAfterMs) return null;
  return { rule: 'camera_frozen', details: { cameraId: input.cameraId, unchangedMs: input.unchangedMs }, frameAt: input.frameAt, dedupeKey: `frozen:${input.cameraId}` };
}

/**
 * De-duplicates repeats: the same dedupe key within `cooldownMs` of its last firing is suppressed.
 * Bounded: keys older than the cooldown are forgotten.
 */
export class AlarmCooldown {
  private readonly lastFired = new Map<string, number>();

  constructor(private readonly cooldownMs: number) {}

  /** True when the candidate should become an alarm now. */
  admit(candidate: AlarmCandidate, now = candidate.frameAt.getTime()): boolean {
    for (const [key, at] of this.lastFired) if (now - at >= this.cooldownMs) this.lastFired.delete(key);
    if (this.lastFired.has(candidate.dedupeKey)) return false;
    this.lastFired.set(candidate.dedupeKey, now);
    return true;
  }

  /** The condition cleared: the next occurrence is admitted at once. */
  forget(dedupeKey: string): void {
    this.lastFired.delete(dedupeKey);
  }

  get size(): number {
    return this.lastFired.size;
  }
}

/**
 * A plate or seal read becomes evidence only when the same text was read in at least `times` analysed
 * frames within `windowMs`: single-frame misreads (a blurred or half-decoded frame) raise nothing.
 * Bounded: at most `maxTexts` recent texts are remembered.
 */
export class RepeatedRead {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly o: { times: number; windowMs: number; maxTexts?: number } = { times: 2, windowMs: 10_000 }) {}

  /** Records a read at `at` (ms); true when it has now been seen often enough. */
  confirm(text: string, at: number): boolean {
    const recent = (this.seen.get(text) ?? []).filter((t) => at - t < this.o.windowMs);
    recent.push(at);
    this.seen.delete(text);
    this.seen.set(text, recent.slice(-this.o.times));
    for (const [key, times] of this.seen) {
      if (this.seen.size <= (this.o.maxTexts ?? 64)) break;
      if (key !== text || times.length === 0) this.seen.delete(key);
    }
    return recent.length >= this.o.times;
  }
}
