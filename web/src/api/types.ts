/**
 * The shapes the REST API answers with: generated from the server's OpenAPI description into
 * generated.ts (`npm run api:types`), re-exported here under the names the pages use. The enums the pages
 * offer are checked against the server's by tests/web-api.test.ts.
 */
import type * as api from './generated.ts';

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
export const LOADING_CHECKS = ['vehicle_disinfected', 'loading_bay_disinfected', 'driver_and_papers_checked', 'clinical_inspection_passed', 'ear_tags_checked', 'vehicle_sealed'] as const;
export const LOADING_RECORD_STATUSES = ['open', 'released', 'held'] as const;

export interface Page<T> {
  items: T[];
  total: number;
}

export type Principal = api.Principal;
export type Declaration = api.Declaration;
export type Booking = api.Booking;
export type TimelineEvent = api.TimelineEvent;
export type Recording = api.Recording;
export type Verdict = api.Verdict;
export type Verification = api.Verification;
export type ArchiveEntry = api.ArchiveEntry;
export type Alarm = api.Alarm;
export type AlarmMute = api.AlarmMute;
export type Enterprise = api.Enterprise;
export type Port = api.Port;
export type User = api.User;
export type Officer = api.Officer;
export type Delegation = api.Delegation;
export type Site = api.Site;
export type Camera = api.Camera;
export type CameraSchedule = NonNullable<api.CameraSchedule>;
export type SupervisedCamera = api.SupervisedCamera;
export type FarmAlarm = api.FarmAlarm;
export type FootageAt = api.FootageSegment | api.FootageDeleted;
export type FootageHold = api.FootageHold;
export type Storage = api.Storage;
export type ClusterNode = api.ClusterNode;
export type CameraZone = api.CameraZone;
export { zoneKinds as ZONE_KINDS, type ZoneKind } from '../../../server/contracts/zones.ts';
export type Vehicle = api.Vehicle;
export type PlateFormat = api.PlateFormat;
export type ModelCard = api.ModelCard;
export type HeldFrame = api.HeldFrame;
export type VisionSample = api.VisionSample;
/** What an officer says a held frame truly shows. */
export type HeldFrameLabel = { task: 'count'; points: Array<[number, number]> } | { task: 'plate' | 'seal'; reads: Array<{ text: string; box?: [number, number, number, number] }> };
export type BuiltInPlateFormat = api.BuiltInPlateFormat;
export type LoadingBatch = api.LoadingBatch;
export type LoadingRecord = api.LoadingRecord;
export type LoadingEvent = api.LoadingEvent;
export type LoadingVerification = api.LoadingVerification;
export type FormEntry = api.FormEntry;
export type FormOverview = api.FormOverview;
export type OverdueForms = api.OverdueForms;
export type FormImport = api.FormImport;
export type ImportMapping = api.ImportMapping;
export type Ticket = api.Ticket;
export type TicketSummary = api.TicketSummary;
export type Notice = api.Notice;
export type PlanSettings = api.PlanSettings;
export type SupervisionPlan = api.SupervisionPlan;
export type EnterpriseRecord = api.EnterpriseRecord;
export type RectificationSummary = api.RectificationSummary;
export type Rectification = api.Rectification;
export type AnnualReportStatus = api.AnnualReportStatus;
export type AnnualReportContents = api.AnnualReportContents;
export type OverdueAnnualReports = api.OverdueAnnualReports;
export type NotificationList = api.NotificationList;
export type NotificationSettings = api.NotificationSettings;
export type NotificationPreferences = api.NotificationPreferences;
export type Delivery = api.Delivery;
export type WebhookEndpoint = api.WebhookEndpoint;
export type WebhookEndpointWithSecret = api.WebhookEndpointWithSecret;
export type ServiceAccount = api.ServiceAccount;
export type ServiceAccountWithKey = api.ServiceAccountWithKey;
export const CONTACT_CHANNELS = ['email', 'sms', 'im'] as const;
/** Form definitions and the entry check are shared with the server (one contract). */
export { checkEntry, type EntryError, type FormDefinition, type FormField, type ScalarField, type Localised } from '../../../server/contracts/forms.ts';

/** An event of one kind, and the filter that narrows to it: `events.filter(ofKind('snapshot'))`. */
export type TimelineEventOf<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;
export const ofKind =
  <K extends TimelineEvent['kind']>(kind: K) =>
  (event: TimelineEvent): event is TimelineEventOf<K> =>
    event.kind === kind;
