/** Counting error figures, stated once for the generated sets (eval.ts) and the officers' corrections (eval-real.ts). */

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The target's range: 5-60 animals. */
export const inTargetRange = (e: { truth: number }) => e.truth >= 5 && e.truth <= 60;

/** Mean absolute percentage error (in %) over the rows in the target's range; null when none is. */
export function mapeOf(rows: Array<{ truth: number; got: number }>): number | null {
  const kept = rows.filter(inTargetRange);
  return kept.length ? round((kept.reduce((s, e) => s + Math.abs(e.got - e.truth) / e.truth, 0) / kept.length) * 100, 2) : null;
}
