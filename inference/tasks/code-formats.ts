/**
 * What a licence plate or a seal number may look like, and format-aware correction of OCR reads: in a
 * position that must be a digit, an `O` is a `0`; where a letter must be, an `8` is a `B`. Every
 * correction lowers the confidence. A read that fits no format is not a plate (or seal) at all.
 */

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const SPECIAL_SUFFIX = '学警挂领试超使';

export type PlateFormat = 'mainland' | 'mainland_new_energy' | 'cross_border' | 'hong_kong' | 'latin';

export interface CodeFit<F extends string> {
  text: string;
  format: F;
  corrections: number;
}

type Slot = (ch: string) => { ch: string; corrected: boolean } | null;

const TO_DIGIT: Record<string, string> = { O: '0', D: '0', Q: '0', U: '0', I: '1', L: '1', J: '1', T: '7', Z: '2', S: '5', B: '8', G: '6' };
const TO_LETTER: Record<string, string> = { '0': 'O', '1': 'I', '2': 'Z', '5': 'S', '6': 'G', '8': 'B', '4': 'A', '7': 'T' };
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

const slot = {
  digit: ((c) => (isDigit(c) ? { ch: c, corrected: false } : TO_DIGIT[c] ? { ch: TO_DIGIT[c]!, corrected: true } : null)) as Slot,
  letter: ((c) => (isLetter(c) ? { ch: c, corrected: false } : TO_LETTER[c] ? { ch: TO_LETTER[c]!, corrected: true } : null)) as Slot,
  /** Letters without I and O (mainland plates do not use them: they look like 1 and 0). */
  mainlandLetter: ((c) => {
    if (isLetter(c) && c !== 'I' && c !== 'O') return { ch: c, corrected: false };
    const l = TO_LETTER[c] ?? (c === 'O' ? 'D' : undefined);
    return l && l !== 'I' && l !== 'O' ? { ch: l, corrected: true } : null;
  }) as Slot,
  mainlandAlnum: ((c) => {
    if (isDigit(c) || (isLetter(c) && c !== 'I' && c !== 'O')) return { ch: c, corrected: false };
    if (c === 'O') return { ch: '0', corrected: true };
    if (c === 'I') return { ch: '1', corrected: true };
    return null;
  }) as Slot,
  newEnergyClass: ((c) => (c === 'D' || c === 'F' ? { ch: c, corrected: false } : c === '0' ? { ch: 'D', corrected: true } : null)) as Slot,
  /** Hong Kong letters: no I, O or Q. */
  hongKongLetter: ((c) => {
    if (isLetter(c) && !'IOQ'.includes(c)) return { ch: c, corrected: false };
    const l = TO_LETTER[c];
    return l && !'IOQ'.includes(l) ? { ch: l, corrected: true } : null;
  }) as Slot,
  province: ((c) => (PROVINCES.includes(c) ? { ch: c, corrected: false } : PROVINCE_LOOKALIKES[c] ? { ch: PROVINCE_LOOKALIKES[c]!, corrected: true } : null)) as Slot,
  /** The cross-border layout (粤Z....港/澳) is distinctive enough to take any first character as 粤. */
  guangdong: ((c) => (c === '粤' ? { ch: c, corrected: false } : /[\u4e00-\u9fff]/.test(c) ? { ch: '粤', corrected: true } : null)) as Slot,
  zone: ((c) => (c === 'Z' ? { ch: c, corrected: false } : c === '2' ? { ch: 'Z', corrected: true } : null)) as Slot,
  exact:
    (allowed: string): Slot =>
    (c) =>
      allowed.includes(c) ? { ch: c, corrected: false } : null,
};

function fitSlots(chars: string[], slots: Slot[]): { text: string; corrections: number } | null {
  if (chars.length !== slots.length) return null;
  let text = '';
  let corrections = 0;
  for (let i = 0; i < slots.length; i++) {
    const r = slots[i]!(chars[i]!);
    if (!r) return null;
    text += r.ch;
    if (r.corrected) corrections++;
  }
  return { text, corrections };
}

/** Uppercase, and only letters, digits and CJK characters (separators, dots, spaces and frame edges go). */
export function cleanRead(raw: string): string {
  return raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^0-9A-Z\u4e00-\u9fff]/g, '');
}

const PLATE_LAYOUTS: Array<{ format: PlateFormat; slots: Slot[] }> = [
  { format: 'cross_border', slots: [slot.guangdong, slot.zone, ...Array(4).fill(slot.mainlandAlnum), slot.exact('港澳')] },
  { format: 'mainland_new_energy', slots: [slot.province, slot.mainlandLetter, slot.newEnergyClass, slot.mainlandAlnum, ...Array(4).fill(slot.digit)] },
  { format: 'mainland_new_energy', slots: [slot.province, slot.mainlandLetter, ...Array(5).fill(slot.digit), slot.newEnergyClass] },
  { format: 'mainland', slots: [slot.province, slot.mainlandLetter, ...Array(5).fill(slot.mainlandAlnum)] },
  { format: 'mainland', slots: [slot.province, slot.mainlandLetter, ...Array(4).fill(slot.mainlandAlnum), slot.exact(SPECIAL_SUFFIX)] },
];

/** The best reading of `raw` as a plate, or null when it fits no supported format. */
export function parsePlate(raw: string): CodeFit<PlateFormat> | null {
  const text = cleanRead(raw);
  const chars = [...text];
  const fits: CodeFit<PlateFormat>[] = [];
  const tryChars = (cs: string[], extra: number) => {
    for (const layout of PLATE_LAYOUTS) {
      const fit = fitSlots(cs, layout.slots);
      if (fit) fits.push({ ...fit, corrections: fit.corrections + extra, format: layout.format });
    }
  };
  // A cross-border plate whose leading 粤 was not seen (small plates): the rest of the layout is unmistakable.
  if (chars.length === 6 && chars[0] === 'Z' && '港澳'.includes(chars[5]!)) tryChars(['粤', ...chars], 1);
  if (chars.length > 0 && /[\u4e00-\u9fff]/.test(chars[0]!)) {
    tryChars(chars, 0);
    // The separator dot after the second character is sometimes read as 1 or I.
    if (chars.length >= 8 && '1I'.includes(chars[2]!)) tryChars([...chars.slice(0, 2), ...chars.slice(3)], 1);
  } else {
    const hk = parseHongKong(text);
    if (hk) fits.push(hk);
    else if (/^[A-Z0-9]{4,8}$/.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text)) fits.push({ text, format: 'latin', corrections: 0 });
  }
  fits.sort((a, b) => a.corrections - b.corrections);
  return fits[0] ?? null;
}

/** Up to two letters then one to four digits without a leading zero (e.g. AB1234, K88, 1234). */
function parseHongKong(text: string): CodeFit<PlateFormat> | null {
  let best: CodeFit<PlateFormat> | null = null;
  for (let letters = 0; letters <= 2; letters++) {
    const digits = text.length - letters;
    if (digits < 1 || digits > 4) continue;
    const fit = fitSlots([...text], [...Array(letters).fill(slot.hongKongLetter), ...Array(digits).fill(slot.digit)]);
    if (!fit || fit.text[letters] === '0') continue;
    if (!best || fit.corrections < best.corrections) best = { ...fit, format: 'hong_kong' };
  }
  return best;
}

/**
 * Seal numbers: one to four letters then five to ten digits (CN1234567, SL8472913). ISO 6346 container
 * numbers (four letters ending in U, J or Z, seven digits, valid check digit) look the same and are not seals.
 */
export function parseSeal(raw: string): CodeFit<'seal'> | null {
  const text = cleanRead(raw);
  if (/[\u4e00-\u9fff]/.test(text)) return null;
  let best: CodeFit<'seal'> | null = null;
  for (let letters = 1; letters <= 4; letters++) {
    const digits = text.length - letters;
    if (digits < 5 || digits > 10) continue;
    const fit = fitSlots([...text], [...Array(letters).fill(slot.letter), ...Array(digits).fill(slot.digit)]);
    // At least one letter must have been read as a letter: a bare number is not a seal number.
    if (fit && ![...text.slice(0, letters)].some(isLetter)) continue;
    if (fit && (!best || fit.corrections < best.corrections)) best = { ...fit, format: 'seal' };
  }
  if (best && isContainerNumber(best.text)) return null;
  return best;
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
