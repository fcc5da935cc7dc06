import { describe, expect, it } from 'vitest';
import { isolationOccupied, vehicleWithoutRecord } from '../../inference/index.ts';
import { insidePolygon, polygonArea, zoneInput, type ZonePoint } from './zones.ts';

const square: ZonePoint[] = [
  [0.2, 0.2],
  [0.6, 0.2],
  [0.6, 0.6],
  [0.2, 0.6],
];
// An L shape: its notch (top right) is outside.
const ell: ZonePoint[] = [
  [0, 0],
  [0.5, 0],
  [0.5, 0.5],
  [1, 0.5],
  [1, 1],
  [0, 1],
];

describe('zones', () => {
  it('tells inside from outside, concave polygons included', () => {
    expect(insidePolygon([0.4, 0.4], square)).toBe(true);
    expect(insidePolygon([0.7, 0.4], square)).toBe(false);
    expect(insidePolygon([0.1, 0.1], square)).toBe(false);
    expect(insidePolygon([0.25, 0.75], ell)).toBe(true);
    expect(insidePolygon([0.75, 0.75], ell)).toBe(true);
    expect(insidePolygon([0.75, 0.25], ell)).toBe(false);
  });

  it('measures area either way round, and refuses polygons without one', () => {
    expect(polygonArea(square)).toBeCloseTo(0.16);
    expect(polygonArea([...square].reverse())).toBeCloseTo(0.16);
    expect(polygonArea(ell)).toBeCloseTo(0.75);
    const base = { name: 'Pen', kind: 'isolation_pen' };
    expect(zoneInput.safeParse({ ...base, polygon: square }).success).toBe(true);
    expect(
      zoneInput.safeParse({
        ...base,
        polygon: [
          [0, 0],
          [0.5, 0.5],
          [1, 1],
        ],
      }).success,
    ).toBe(false);
    expect(zoneInput.safeParse({ ...base, polygon: Array.from({ length: 33 }, (_, i) => [i / 33, (i * 7) % 2]) }).success).toBe(false);
    expect(
      zoneInput.safeParse({
        ...base,
        polygon: [
          [0, 0],
          [1.2, 0],
          [0, 1],
        ],
      }).success,
    ).toBe(false);
  });

  it('raises animals_in_isolation for animals in a pen, and vehicle_without_loading_record only with no record open', () => {
    const frameAt = new Date();
    expect(isolationOccupied({ zoneId: 'z1', zone: 'Pen 2', animals: 0, frameAt })).toBeNull();
    expect(isolationOccupied({ zoneId: 'z1', zone: 'Pen 2', animals: 3, frameAt })).toMatchObject({ rule: 'animals_in_isolation', details: { zone: 'Pen 2', animals: 3 }, dedupeKey: 'isolation:z1' });
    expect(vehicleWithoutRecord({ plate: '粤Z A123港', zoneId: 'b', zone: 'Bay', loadingRecordOpen: true, frameAt })).toBeNull();
    expect(vehicleWithoutRecord({ plate: '粤Z A123港', zoneId: 'b', zone: 'Bay', loadingRecordOpen: false, frameAt })).toMatchObject({
      rule: 'vehicle_without_loading_record',
      details: { plate: '粤ZA123港' },
      dedupeKey: 'bay:b:粤ZA123港',
    });
  });
});
