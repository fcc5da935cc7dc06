/**
 * What a licence plate or a seal number may look like, and look-alike correction of OCR reads.
 *
 * Plate formats are data: a name, a pattern over the read without spaces or separators, and how far the
 * format is certain. The built-in ones (mainland, new energy, 粤Z…港/澳 cross-border, Hong Kong) are listed
 * here; a port's administrator adds others (Macau, a neighbouring country) without a restart. A read that
 * fits a format as seen is that format. Look-alikes (O/0, I/1, Z/2, S/5, B/8, G/6, province characters)
 * are corrected towards a format only where it is certain: anywhere for the formats that start with a
 * province character (nothing else looks like them), otherwise only inside a run of the other kind (the O
 * in AB12O4 is a 0; the L of PJL034 and the I of ABI234 stay as read, since three-letter plates exist).
 * Anything else that looks like a plate is a generic plate, read as seen: matching it against the
 * registered and booked vehicles (within a distance, rules.ts) is what corrects it.
 *
 * Seal numbers: any serial of 5 to 15 letters and digits (digits only, letters then digits, letters,
 * digits, letters), spaces and dashes dropped; look-alikes corrected only inside a run of the other kind.
 * Every correction lowers the confidence.
 */

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';

export interface CodeFit<F extends string> {
  text: string;
  format: F;
  corrections: number;
}

/** A plate format as data (contract of the admin's list: server/contracts/plate-formats.ts). */
export interface PlateFormatSpec {
  name: string;
  /** A regular expression the whole read (uppercase, without spaces or separators) must match. */
  pattern: string;
  /** Correct look-alikes anywhere towards this format (only for layouts nothing else resembles). */
  correctAnywhere: boolean;
}

const MAINLAND_LETTER = '[A-HJ-NP-Z]';
const MAINLAND_ALNUM = '[A-HJ-NP-Z0-9]';
export const BUILTIN_PLATE_FORMATS: readonly PlateFormatSpec[] = [
  { name: 'cross_border', pattern: `粤Z${MAINLAND_ALNUM}{4}[港澳]`, correctAnywhere: true },
  { name: 'mainland_new_energy', pattern: `[${PROVINCES}]${MAINLAND_LETTER}[DF]${MAINLAND_ALNUM}[0-9]{4}`, correctAnywhere: true },
  { name: 'mainland_new_energy', pattern: `[${PROVINCES}]${MAINLAND_LETTER}[0-9]{5}[DF]`, correctAnywhere: true },
  { name: 'mainland', pattern: `[${PROVINCES}]${MAINLAND_LETTER}${MAINLAND_ALNUM}{5}`, correctAnywhere: true },
  { name: 'mainland', pattern: `[${PROVINCES}]${MAINLAND_LETTER}${MAINLAND_ALNUM}{4}[学警挂领试超使]`, correctAnywhere: true },
  // Up to two letters (no I, O or Q), then one to four digits without a leading zero: AB1234, K88, 1234.
  { name: 'hong_kong', pattern: '[A-HJ-NPR-Z]{0,2}[1-9][0-9]{0,3}', correctAnywhere: false },
];
export type PlateFormat = string;

/** Characters the recogniser reads in place of a province's (traditional forms and look-alikes). */
const PROVINCE_LOOKALIKES: Record<string, string> = {
  奥: '粤',
  粵: '粤',
  泸: '沪',
  滬: '沪',
  亰: '京',
  蘇: '苏',
  魯: '鲁',
  閩: '闽',
  贛: '赣',
  陝: '陕',
  貴: '贵',
  遼: '辽',
  黒: '黑',
  瓊: '琼',
  寧: '宁',
  雲: '云',
  晉: '晋',
  翼: '冀',
  豬: '豫',
  湖: '湘',
  浏: '浙',
};
const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => c >= 'A' && c <= 'Z';
const isCjk = (c: string) => /[\u4e00-\u9fff]/.test(c);

/** Pairs the recogniser confuses in plate and seal fonts (T/7, L/1, A/4 are told apart well enough). */
const TO_DIGIT: Record<string, string> = { O: '0', D: '0', Q: '0', I: '1', Z: '2', S: '5', B: '8', G: '6' };
const TO_LETTER: Record<string, string> = { '0': 'O', '1': 'I', '2': 'Z', '5': 'S', '6': 'G', '8': 'B' };
/** Mainland letters have no O or I: a 0 there is a D. */
const EXTRA_LETTER: Record<string, string> = { '0': 'D', O: 'D' };

/** Uppercase, and only letters, digits and CJK characters (separators, dots, spaces and frame edges go). */
export function cleanRead(raw: string): string {
  return raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^0-9A-Z\u4e00-\u9fff]/g, '');
}

/**
 * Each character's alternatives: what it may really be. `anywhere`: every look-alike; otherwise only a
 * character inside a run of the other kind (both neighbours of that kind): at either end a lone letter
 * before digits (Z32106930) or after them is as likely as a misread.
 */
function alternatives(chars: string[], anywhere: boolean): string[][] {
  return chars.map((c, i) => {
    const out: string[] = [];
    const before = chars[i - 1];
    const after = chars[i + 1];
    const among = (test: (n: string) => boolean) => before !== undefined && after !== undefined && test(before) && test(after);
    if (TO_DIGIT[c] && (anywhere || among(isDigit))) out.push(TO_DIGIT[c]!);
    if (TO_LETTER[c] && (anywhere || among(isLetter))) out.push(TO_LETTER[c]!);
    if (anywhere && EXTRA_LETTER[c]) out.push(EXTRA_LETTER[c]!);
    if (anywhere && PROVINCE_LOOKALIKES[c]) out.push(PROVINCE_LOOKALIKES[c]!);
    return out;
  });
}

const MAX_CORRECTIONS = 2;

/** The texts one or two corrections away (with how many), fewest first. */
function* corrected(chars: string[], alts: string[][]): Generator<{ text: string; corrections: number }> {
  const spots = alts.flatMap((a, i) => a.map((ch) => ({ i, ch })));
  for (const a of spots) yield { text: replace(chars, [a]), corrections: 1 };
  for (let x = 0; x < spots.length; x++) {
    for (let y = x + 1; y < spots.length && MAX_CORRECTIONS >= 2; y++) {
      if (spots[x]!.i !== spots[y]!.i) yield { text: replace(chars, [spots[x]!, spots[y]!]), corrections: 2 };
    }
  }
}

const replace = (chars: string[], changes: Array<{ i: number; ch: string }>) => chars.map((c, i) => changes.find((x) => x.i === i)?.ch ?? c).join('');

/** Compiled patterns, by source (bounded: the built-in ones and those of the ports). */
const compiled = new Map<string, RegExp>();
export function plateRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    if (compiled.size < 1000) compiled.set(pattern, re);
  }
  return re;
}

/** Texts the read may stand for beyond itself: a leading 粤 not seen, a separator dot read as 1 or I. */
function variants(chars: string[]): Array<{ chars: string[]; extra: number }> {
  const out = [{ chars, extra: 0 }];
  // A cross-border plate whose leading 粤 was not seen (small plates): the rest of the layout is unmistakable.
  if (chars.length === 6 && chars[0] === 'Z' && '港澳'.includes(chars[5]!)) out.push({ chars: ['粤', ...chars], extra: 1 });
  // A cross-border plate whose first character was misread as another Chinese character.
  if (chars.length === 7 && isCjk(chars[0]!) && chars[0] !== '粤' && (chars[1] === 'Z' || chars[1] === '2') && '港澳'.includes(chars[6]!)) out.push({ chars: ['粤', ...chars.slice(1)], extra: 1 });
  if (chars.length >= 8 && isCjk(chars[0]!) && '1I'.includes(chars[2]!)) out.push({ chars: [...chars.slice(0, 2), ...chars.slice(3)], extra: 1 });
  return out;
}

/** A generic plate, read as seen: 4 to 8 Latin letters and digits, with both. */
const GENERIC = /^[A-Z0-9]{4,8}$/;

/**
 * The best reading of `raw` as a plate with the formats of the port in order of preference (its own, then
 * the built-in ones; the built-in ones alone by default), or
 * null when it is not a plate at all.
 */
export function parsePlate(raw: string, formats: readonly PlateFormatSpec[] = BUILTIN_PLATE_FORMATS): CodeFit<PlateFormat> | null {
  const text = cleanRead(raw);
  if (!text) return null;
  let best: CodeFit<PlateFormat> | null = null;
  const consider = (candidate: string, corrections: number) => {
    if (best && best.corrections <= corrections) return;
    const format = formats.find((f) => plateRegex(f.pattern).test(candidate));
    if (format) best = { text: candidate, format: format.name, corrections };
  };
  for (const { chars, extra } of variants([...text])) {
    consider(chars.join(''), extra);
    for (const anywhere of [false, true]) {
      const towards = formats.filter((f) => f.correctAnywhere === anywhere);
      if (towards.length === 0) continue;
      for (const c of corrected(chars, alternatives(chars, anywhere))) {
        if (best && best.corrections <= c.corrections + extra) break;
        const format = towards.find((f) => plateRegex(f.pattern).test(c.text));
        if (format) best = { text: c.text, format: format.name, corrections: c.corrections + extra };
      }
    }
  }
  if (best) return best;
  if (GENERIC.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text)) return { text, format: 'generic', corrections: 0 };
  return null;
}

/** Text that is a clock, a date or a stencilled measure, not a serial (camera overlays, container markings). */
const CLOCK = /[:/]/;
const STENCIL = /TARE|GROSS|MAX|NETT|PAYLOAD|CUCAP|[0-9](?:KG|LBS?|CUM|M3)$/;

/**
 * Seal numbers: 5 to 15 letters and digits with at least four digits, in at most three runs (letters,
 * digits, letters), a run of letters at most four long (MAXGROSS30480KG is a stencil, not a seal). ISO 6346
 * container numbers look the same and are not seals; a date (20261202…) is a camera's clock.
 */
export function parseSeal(raw: string): CodeFit<'seal'> | null {
  if (CLOCK.test(raw)) return null;
  const text = cleanRead(raw);
  if (STENCIL.test(text)) return null;
  if (text.length < 5 || text.length > 15 || [...text].some(isCjk)) return null;
  const chars = [...text];
  const alts = alternatives(chars, false);
  const changes = alts.flatMap((a, i) => (a.length === 1 ? [{ i, ch: a[0]! }] : []));
  const fixed = changes.length <= MAX_CORRECTIONS ? replace(chars, changes) : text;
  const corrections = fixed === text ? 0 : changes.length;
  const runs = fixed.match(/[A-Z]+|[0-9]+/g) ?? [];
  const digits = runs.filter((r) => isDigit(r[0]!)).join('').length;
  if (runs.length > 3 || digits < 4 || runs.some((r) => isLetter(r[0]!) && r.length > 4)) return null;
  if (isContainerNumber(fixed) || /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/.test(fixed)) return null;
  return { text: fixed, format: 'seal', corrections };
}

/** ISO 6346: owner code (3 letters), category (U, J or Z), 6-digit serial, check digit. */
export function isContainerNumber(text: string): boolean {
  if (!/^[A-Z]{3}[UJZ]\d{7}$/.test(text)) return false;
  const value = (c: string) => {
    if (isDigit(c)) return Number(c);
    // Letters count from 10, skipping multiples of 11.
    let v = 10;
    for (let l = 'A'.charCodeAt(0); l < c.charCodeAt(0); l++) {
      v++;
      if (v % 11 === 0) v++;
    }
    return v;
  };
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += value(text[i]!) * 2 ** i;
  return (sum % 11) % 10 === Number(text[10]);
}
