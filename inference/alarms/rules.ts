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

/** How many characters a plate read may differ from a registered or booked plate and still be it (as NVR plate readers allow). */
export const DEFAULT_PLATE_MATCH_DISTANCE = 1;

/**
 * A plate read at a supervised site: one of the enterprise's registered vehicles, and the booked vehicle
 * when there is one — each within `maxDistance` characters (a misread character is the reader's).
 */
export function plateCheck(input: {
  plate: string;
  confidence: number;
  registeredPlates: string[];
  bookedPlate?: string | null;
  frameAt: Date;
  minConfidence?: number;
  maxDistance?: number;
}): AlarmCandidate | null {
  if (input.confidence < (input.minConfidence ?? 0.8)) return null; // an unsure read is not evidence
  const plate = normaliseCode(input.plate);
  const maxEdits = input.maxDistance ?? DEFAULT_PLATE_MATCH_DISTANCE;
  const booked = input.bookedPlate ? normaliseCode(input.bookedPlate) : null;
  if (booked && matchKnown(plate, [booked], { maxEdits })) return null;
  const registered = [...new Set(input.registeredPlates.map(normaliseCode))];
  if (!matchKnown(plate, registered, { maxEdits })) {
    return { rule: 'plate_not_registered', details: { plate, confidence: input.confidence, registered }, frameAt: input.frameAt, dedupeKey: `plate:${plate}` };
  }
  if (booked) return { rule: 'plate_not_booked', details: { plate, booked, confidence: input.confidence }, frameAt: input.frameAt, dedupeKey: `plate-booked:${plate}` };
  return null;
}

/**
 * The known code a read stands for: the same, or the only one within `maxEdits` insertions, deletions or
 * substitutions (codes shorter than `minLength` must be exact: one character is too much of a short code).
 * Null when none is that close, or two are equally close (the read does not tell them apart).
 */
export function matchKnown(read: string, known: string[], options: { maxEdits: number; minLength?: number }): { code: string; corrections: number } | null {
  const text = normaliseCode(read);
  const codes = [...new Set(known.map(normaliseCode))];
  if (codes.includes(text)) return { code: text, corrections: 0 };
  if (text.length < (options.minLength ?? 5) || options.maxEdits < 1) return null;
  let best: { code: string; corrections: number } | null = null;
  let tie = false;
  for (const code of codes) {
    const d = editDistance(text, code, options.maxEdits);
    if (d > options.maxEdits) continue;
    if (!best || d < best.corrections) {
      best = { code, corrections: d };
      tie = false;
    } else if (d === best.corrections) tie = true;
  }
  return tie ? null : best;
}

/** Levenshtein distance, or more than `limit` as soon as it must be (short codes: a small table). */
function editDistance(a: string, b: string, limit: number): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    if (Math.min(...row) > limit) return limit + 1;
    previous = row;
  }
  return previous[y.length]!;
}

/**
 * The declared code a read stands for: the same, or (for codes of six characters or more) one edit away,
 * since what was declared is the prior and a single misread character (V13862865 for VY3862865) is the
 * reader's, not the seal's. Null when no declared code is that close (or two are).
 */
export function matchDeclared(read: string, declared: string[]): { code: string; corrections: number } | null {
  return matchKnown(read, declared, { maxEdits: 1, minLength: 6 });
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
