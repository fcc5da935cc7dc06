import { describe, expect, it } from 'vitest';
import { RateGate, RawFrameSplitter } from './raw-frames.ts';

describe('RateGate', () => {
  const kept = (fps: number, arrivals: number[]) => {
    let t = 0;
    const gate = new RateGate(fps, () => t);
    return arrivals.filter((at) => {
      t = at;
      return gate.keep();
    });
  };

  it('keeps 5 of a 25 fps stream a second, evenly', () => {
    const arrivals = Array.from({ length: 250 }, (_, i) => i * 40);
    const out = kept(5, arrivals);
    expect(out.length).toBeGreaterThanOrEqual(49);
    expect(out.length).toBeLessThanOrEqual(51);
    const gaps = out.slice(2).map((t, i) => t - out[i + 1]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(160);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(240);
  });

  it('holds its rate when arrivals jitter, and a rate that does not divide the camera rate on average', () => {
    let seed = 7;
    const jitter = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 30;
    const arrivals = Array.from({ length: 500 }, (_, i) => i * 40 + jitter()).sort((a, b) => a - b);
    expect(kept(5, arrivals).length).toBeGreaterThanOrEqual(97);
    expect(kept(5, arrivals).length).toBeLessThanOrEqual(102);
    // 10 of 25 a second: 2 or 3 frames apart, 10 a second overall (ffmpeg's select kept every third: 8.3).
    const ten = kept(
      10,
      Array.from({ length: 250 }, (_, i) => i * 40),
    );
    expect(ten.length).toBeGreaterThanOrEqual(98);
    expect(ten.length).toBeLessThanOrEqual(102);
  });

  it('keeps the first frame after a gap and does not make up for the frames missed', () => {
    const out = kept(5, [0, 200, 400, 5000, 5040, 5080, 5120, 5160, 5200]);
    expect(out).toEqual([0, 200, 400, 5000, 5160]);
  });

  it('keeps everything from a stream slower than its rate', () => {
    const arrivals = Array.from({ length: 20 }, (_, i) => i * 500);
    expect(kept(5, arrivals)).toEqual(arrivals);
  });
});

describe('RawFrameSplitter', () => {
  it('cuts chunks into frames across chunk boundaries, each frame a buffer of its own', () => {
    const splitter = new RawFrameSplitter(4);
    const first = splitter.push(Buffer.from([1, 2, 3]));
    expect(first).toEqual([]);
    const next = splitter.push(Buffer.from([4, 5, 6, 7, 8, 9, 10]));
    expect(next.map((b) => [...b])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(next[0]).not.toBe(next[1]);
    expect([...splitter.push(Buffer.from([11, 12]))[0]!]).toEqual([9, 10, 11, 12]);
  });

  it('hands out only the frames kept, and reuses the buffer of a frame let go', () => {
    const splitter = new RawFrameSplitter(2);
    let n = 0;
    const everyThird = () => n++ % 3 === 0;
    const out = splitter.push(Buffer.from([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7]), everyThird);
    expect(out.map((b) => b[0])).toEqual([1, 4]);
    expect(n).toBe(6);
    expect(out[0]).not.toBe(out[1]);
  });
});
