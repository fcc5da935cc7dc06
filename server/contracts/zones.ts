/**
 * A camera's zones, stated once: polygons over its picture (corners in fractions of the width and height,
 * so they hold for the main stream and the sub-stream alike) with what each means to the rules.
 *   isolation_pen: animals seen inside raise animals_in_isolation (the pen must be empty);
 *   loading_bay: a vehicle read inside while the farm has no open loading record raises vehicle_without_loading_record;
 *   gate: when a camera has any, only plates read inside them are checked against the registered (and booked)
 *     vehicles — a plate on a lorry parked in the yard or passing on the road is not at the gate;
 *   counting: when a camera has any, only the animals inside them are counted;
 *   motion_mask: what is seen inside is ignored (a clock overlay, trees in the wind).
 */
import { z } from 'zod';

export const zoneKinds = ['isolation_pen', 'loading_bay', 'gate', 'counting', 'motion_mask'] as const;
export type ZoneKind = (typeof zoneKinds)[number];

export const MAX_ZONES_PER_CAMERA = 16;
export const MAX_ZONE_POINTS = 32;

export type ZonePoint = [number, number];

/** Twice the signed area (shoelace); its size tells a real polygon from a line or a point. */
export function polygonArea(points: ZonePoint[]): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x2, y2] = points[(i + 1) % points.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}

/** Whether a point (fractions of the picture) is inside a polygon (even-odd rule). */
export function insidePolygon([x, y]: ZonePoint, polygon: ZonePoint[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const fraction = z.number().min(0).max(1);
export const zonePolygon = z
  .array(z.tuple([fraction, fraction]))
  .min(3)
  .max(MAX_ZONE_POINTS)
  // A zone covers something: at least 0.1 % of the picture.
  .refine((points) => polygonArea(points as ZonePoint[]) >= 0.001, 'The polygon has (almost) no area');

export const zoneInput = z.object({ name: z.string().trim().min(1).max(100), kind: z.enum(zoneKinds), polygon: zonePolygon });
export type ZoneInput = z.infer<typeof zoneInput>;

export interface CameraZone {
  id: string;
  cameraId: string;
  name: string;
  kind: ZoneKind;
  polygon: ZonePoint[];
}
