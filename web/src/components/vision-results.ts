/** The live vision results pushed to an officer (a session's console, the camera wall, a loading record). */
import { useEffect, useState } from 'react';
import type { InspectionClient } from '../media/inspection-client.ts';
import type { VisionResult } from './VideoTile.tsx';

/** The latest live detection of each task, per camera id. */
export function useVisionResults(client: InspectionClient | null): Record<string, VisionResult[]> {
  const [vision, setVision] = useState<Record<string, VisionResult[]>>({});
  useEffect(() => {
    if (!client) return;
    const off = client.on('vision:result', (r) => setVision((v) => ({ ...v, [r.cameraId]: [...(v[r.cameraId] ?? []).filter((x) => x.task !== r.task), r] })));
    return () => off();
  }, [client]);
  return vision;
}
