import { describe, expect, it } from 'vitest';
import { LineCrossingCounter } from './line-crossing.ts';

/** Points of animals walking up a ramp (y decreasing) across a horizontal line at y = 100. */
function walk(animals: Array<{ x: number; y0: number; speed: number; start: number }>, frames: number, jitter = 0, seed = 1) {
  let s = seed;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2 * jitter;
  const out: Array<Array<[number, number]>> = [];
  for (let f = 0; f < frames; f++) {
    const pts: Array<[number, number]> = [];
    for (const a of animals) {
      if (f < a.start) continue;
      const y = a.y0 - (f - a.start) * a.speed;
      if (y < -20) continue;
      pts.push([a.x + rand(), y + rand()]);
    }
    out.push(pts);
  }
  return out;
}

describe('line crossing counter', () => {
  const line = { a: [0, 100] as [number, number], b: [320, 100] as [number, number] };

  it('counts each animal once, direction-aware, with detection jitter and missed frames', () => {
    const animals = Array.from({ length: 12 }, (_, i) => ({ x: 30 + (i % 6) * 45, y0: 230, speed: 6 + (i % 3), start: Math.floor(i / 6) * 8 }));
    const counter = new LineCrossingCounter(line, { maxJump: 30 });
    walk(animals, 60, 2).forEach((pts, f) => {
      // Every 7th frame the detector misses one animal.
      counter.update(f % 7 === 3 ? pts.slice(1) : pts, f);
    });
    expect(counter.forward).toBe(12);
    expect(counter.backward).toBe(0);
    expect(counter.net).toBe(12);
  });

  it('an animal that turns back is counted backwards; jitter on the line counts nothing', () => {
    const counter = new LineCrossingCounter(line, { maxJump: 30, hysteresis: 5 });
    const ys = [140, 125, 110, 95, 85, 92, 104, 118, 130];
    ys.forEach((y, f) => counter.update([[100, y]], f));
    expect([counter.forward, counter.backward, counter.net]).toEqual([1, 1, 0]);

    const jittery = new LineCrossingCounter(line, { maxJump: 30, hysteresis: 5 });
    [103, 97, 102, 98, 101, 99, 103].forEach((y, f) => jittery.update([[200, y]], f));
    expect(jittery.forward + jittery.backward).toBe(0);
  });

  it('keeps an animal hidden for several frames (behind the one in front) and counts it once when it shows past the line', () => {
    const counter = new LineCrossingCounter(line, { maxJump: 30, maxMissed: 6 });
    // Two animals nose to tail, 8 px a frame; the detector sees the second only before and after frames 3-8.
    for (let f = 0; f < 14; f++) {
      const first: [number, number] = [160, 130 - f * 8];
      const second: [number, number] = [162, 150 - f * 8]; // unseen from y 126 to 110, seen again at 78
      counter.update(f >= 3 && f <= 8 ? [first] : [first, second], f);
    }
    expect([counter.forward, counter.backward]).toEqual([2, 0]);
    expect(counter.activeTracks).toBe(2);
  });

  it('ignores crossings beyond the ends of the line and keeps its tracks bounded', () => {
    const short = new LineCrossingCounter({ a: [0, 100], b: [100, 100] }, { maxJump: 30, maxTracks: 20 });
    [140, 120, 100, 80, 60].forEach((y, f) => short.update([[250, y]], f));
    expect(short.forward).toBe(0);
    for (let f = 0; f < 50; f++)
      short.update(
        Array.from({ length: 40 }, (_, i) => [i * 50 + f * 1000, 10] as [number, number]),
        f,
      );
    expect(short.activeTracks).toBeLessThanOrEqual(20);
  });
});
