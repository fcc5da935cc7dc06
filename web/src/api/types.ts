/** The shapes the REST API answers with (see /api/openapi.json). The enums are checked against the server's by tests/web-api.test.ts. */
export type Role = 'enterprise_user' | 'broker' | 'officer' | 'supervisor' | 'admin';
export type Locale = 'zh-CN' | 'en' | 'ru';
export const INSPECTION_TYPES = ['label_rectification', 'destination_inspection', 'routine_supervision', 'pre_export_sampling'] as const;
export type InspectionType = (typeof INSPECTION_TYPES)[number];
export const BOOKING_STATUSES = ['requested', 'proposed', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export const VERDICT_OUTCOMES = ['pass', 'rectify', 'fail'] as const;
export type VerdictOutcome = (typeof VERDICT_OUTCOMES)[number];
export const RISK_CLASSES = ['A', 'B', 'C', 'D'] as const;
export const ROLES = ['enterprise_user', 'broker', 'officer', 'supervisor', 'admin'] as const;
export const SITE_KINDS = ['warehouse', 'factory', 'farm'] as const;
export const VISION_TASKS = ['count', 'plate', 'seal'] as const;

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  locale: string;
  enterpriseIds: string[];
  portId: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface Declaration {
  id: string;
  number: string;
  enterpriseId: string;
  enterpriseName: string;
  portId: string;
  siteId: string | null;
  goodsDescription: string;
  declaredQuantity: number;
  quantityUnit: string;
  sealNumbers: string[];
  createdAt: string;
}

export interface Booking {
  id: string;
  declarationId: string;
  declarationNumber: string;
  enterpriseId: string;
  enterpriseName: string;
  portId: string;
  type: InspectionType;
  status: BookingStatus;
  slotStart: string;
  slotEnd: string;
  officerId: string | null;
  officerName: string | null;
  note: string;
  statusReason: string;
  vehiclePlate: string | null;
  sessionId: string | null;
}

export interface TimelineEvent {
  id: number;
  sessionId?: string;
  kind: 'joined' | 'left' | 'command' | 'acknowledgement' | 'snapshot' | 'detection' | 'alarm' | 'verdict' | 'note';
  at: string;
  actorId: string | null;
  payload: Record<string, unknown>;
}

export interface Recording {
  id: string;
  source: string;
  mediaKind: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  sizeBytes: number | null;
}

export interface Verdict {
  verdictId: string;
  outcome: VerdictOutcome;
  findings: string;
  followUp: string;
  recordedAt: string;
  signatureValid: boolean;
  declarationNumber: string;
}

export interface Verification {
  ok: boolean;
  checkedArtefacts: number;
  checkedSegments: number;
  problems: Array<{ item: string; problem: string; detail?: string }>;
  deletedByRetention: string[];
}

export interface ArchiveEntry {
  sessionId: string;
  bookingId: string;
  declarationNumber: string;
  enterpriseId: string;
  enterpriseName: string;
  officerName: string | null;
  type: InspectionType;
  startedAt: string;
  endedAt: string | null;
  verdict: VerdictOutcome | null;
  alarms: number;
  sealed: boolean;
}

export interface Alarm {
  id: string;
  cameraId: string | null;
  rule: string;
  details: Record<string, unknown>;
  frameAt: string;
  status: 'open' | 'acknowledged';
  createdAt: string;
  hasEvidence: boolean;
}

export interface Enterprise {
  id: string;
  name: string;
  customsCode: string;
  riskClass: (typeof RISK_CLASSES)[number];
}

export interface Port {
  id: string;
  code: string;
  name: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  enterpriseId: string | null;
  portId: string | null;
  locale: string;
  active: boolean;
}

export interface Officer {
  id: string;
  displayName: string;
  portId: string | null;
}

export interface Delegation {
  brokerId: string;
  brokerName: string;
  enterpriseId: string;
  enterpriseName: string;
  grantedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface Site {
  id: string;
  enterpriseId: string;
  name: string;
  kind: (typeof SITE_KINDS)[number];
  address: string;
}

export interface Camera {
  id: string;
  siteId: string;
  name: string;
  sourceUrl: string;
  enabled: boolean;
  analysis: string[];
}

export interface Vehicle {
  id: string;
  enterpriseId: string;
  plate: string;
  description: string;
}

export interface LoadingBatch {
  id: string;
  cameraId: string;
  expected: number | null;
  closedAt: string | null;
  counted: { forward: number; backward: number; net: number } | null;
}
