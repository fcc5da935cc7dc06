/**
 * The domain services, built once from their dependencies. Nothing here knows about HTTP or sockets.
 * Loading batches are built with the live layer (server/platform.ts): they count on its cameras.
 */
import type { Db } from '../db/database.ts';
import { AdminService } from './admin.service.ts';
import { AuthService } from './auth.service.ts';
import { BookingService } from './bookings.service.ts';
import { DeclarationService } from './declarations.service.ts';
import { DomainEvents } from './domain-events.ts';
import { InspectionService } from './inspections.service.ts';
import { VerdictService } from './verdicts.service.ts';
import { ArchiveService } from './archive.service.ts';
import { ArchiveSearchService } from './archive-search.service.ts';
import { EvidencePackageService } from './evidence-packages.service.ts';
import { RetentionService } from './retention.service.ts';
import { CameraFootageService } from './camera-footage.service.ts';
import { CameraZoneService } from './camera-zones.service.ts';
import { PlateFormatService } from './plate-formats.service.ts';
import { VisionSampleService } from './vision-samples.service.ts';
import { ModelVersionService } from './model-versions.service.ts';
import { AlarmService } from './alarms.service.ts';
import { LoadingRecordArchive } from './loading-record-archive.ts';
import { TimelineService } from './timeline.service.ts';
import { FarmFormService } from './farm-forms.service.ts';
import { FormImportService } from './form-imports.service.ts';
import { TicketService } from './tickets.service.ts';
import { NoticeService } from './notices.service.ts';
import { SupervisionPlanService } from './supervision-plan.service.ts';
import { EnterpriseRecordService } from './enterprise-record.service.ts';
import { RectificationService } from './rectifications.service.ts';
import { AnnualReportService } from './annual-reports.service.ts';
import { DeadlineReminderService } from './deadline-reminders.service.ts';
import { NotificationService, type CodeSender, type ContactChannel } from './notifications.service.ts';
import { WebhookService } from './webhooks.service.ts';
import { IntegrationService } from './integration.service.ts';
import path from 'node:path';
import type { SigningKey } from '../infra/signing-key.ts';
import { loadSecretBox, type SecretBox } from '../infra/secret-box.ts';
import { localEvidenceStore, type EvidenceStore } from '../infra/evidence-store.ts';

export interface Services {
  db: Db;
  events: DomainEvents;
  auth: AuthService;
  admin: AdminService;
  declarations: DeclarationService;
  bookings: BookingService;
  inspections: InspectionService;
  verdicts: VerdictService;
  archive: ArchiveService;
  /** Sealing and verifying loading records (the records themselves are run with the live cameras: server/platform.ts). */
  loadingArchive: LoadingRecordArchive;
  archiveSearch: ArchiveSearchService;
  packages: EvidencePackageService;
  retention: RetentionService;
  footage: CameraFootageService;
  zones: CameraZoneService;
  plateFormats: PlateFormatService;
  models: ModelVersionService;
  /** The officers' corrections of the vision, kept as labelled samples. */
  samples: VisionSampleService;
  alarms: AlarmService;
  timeline: TimelineService;
  /** The farm's supervision e-forms. */
  forms: FarmFormService;
  /** ERP files and pushed records into the farms' forms. */
  formImports: FormImportService;
  /** Problem tickets between enterprises and their ports. */
  tickets: TicketService;
  /** Policy notices to enterprises. */
  notices: NoticeService;
  /** Supervision frequency by risk class, and the plan it gives. */
  plans: SupervisionPlanService;
  /** An enterprise's own record with customs. */
  enterpriseRecords: EnterpriseRecordService;
  /** What `rectify` verdicts ask of enterprises, followed up. */
  rectifications: RectificationService;
  annualReports: AnnualReportService;
  /** Rectifications, declarations' validity and annual reports coming due. */
  deadlines: DeadlineReminderService;
  /** The notification centre, users' addresses and channels, the delivery log. */
  notifications: NotificationService;
  /** Other systems' endpoints told of events. */
  webhooks: WebhookService;
  /** Other systems calling in: service accounts, pushes, the archive read. */
  integration: IntegrationService;
  signingKey: SigningKey;
  /** Seals secrets kept in the database (camera passwords, webhook secrets). */
  secrets: SecretBox;
  dataDir: string;
  store: EvidenceStore;
}

export function createServices(options: {
  db: Db;
  sessionTtlMs: number;
  signingKey: SigningKey;
  dataDir: string;
  store?: EvidenceStore;
  clock?: () => Date;
  alarmCooldownMs?: number;
  cameraMediaDir?: string;
  secrets?: SecretBox;
  /** When a farm's daily forms are due (local HH:MM the next day) and the hours of grace before officers are told. */
  forms?: { dueTime: string; graceHours: number };
  /** Days to rectify by default, days before a declaration ends to remind, the annual report's due day (MM-DD). */
  deadlines?: { rectifyDays: number; declarationEndingDays: number; annualReportDue: string };
  /** The configured ways out (email, SMS, IM): none by default, in-app only. */
  outside?: { available(): ContactChannel[]; sendCode: CodeSender };
}): Services {
  // Finished evidence goes to local disk under the data dir unless another store is given (S3).
  const deps = { ...options, store: options.store ?? localEvidenceStore(options.dataDir) };
  const events = new DomainEvents();
  const bookings = new BookingService({ ...deps, events });
  const timeline = new TimelineService({ ...deps, events });
  const inspections = new InspectionService({ ...deps, events, timeline });
  const alarms = new AlarmService({ ...deps, events, timeline, cooldownMs: options.alarmCooldownMs });
  const secrets = options.secrets ?? loadSecretBox(path.join(options.dataDir, 'keys', 'camera-secrets.key'));
  const outside = options.outside ?? { available: () => [], sendCode: async () => {} };
  const deadlines = options.deadlines ?? { rectifyDays: 15, declarationEndingDays: 7, annualReportDue: '06-30' };
  const rectifications = new RectificationService({ db: deps.db, events, clock: options.clock, rectifyDays: deadlines.rectifyDays });
  const annualReports = new AnnualReportService({ db: deps.db, clock: options.clock, dueDay: deadlines.annualReportDue });
  const verdicts = new VerdictService({ ...deps, events, key: deps.signingKey, bookings, timeline, rectifications });
  const archiveSearch = new ArchiveSearchService(deps);
  const archive = new ArchiveService({ ...deps, key: deps.signingKey, verdicts, timeline });
  const models = new ModelVersionService({ ...deps, events });
  const samples = new VisionSampleService({ ...deps, models });
  const forms = new FarmFormService({ db: deps.db, events, clock: options.clock, dueTime: options.forms?.dueTime ?? '10:00', graceHours: options.forms?.graceHours ?? 24 });
  return {
    db: deps.db,
    events,
    auth: new AuthService({ ...deps, events }),
    admin: new AdminService({ ...deps, events, cameraMediaDir: options.cameraMediaDir, secrets }),
    declarations: new DeclarationService(deps),
    bookings,
    inspections,
    verdicts,
    archive,
    loadingArchive: new LoadingRecordArchive({ ...deps, key: deps.signingKey }),
    archiveSearch,
    packages: new EvidencePackageService({ ...deps, key: deps.signingKey, verdicts, search: archiveSearch }),
    retention: new RetentionService({ ...deps, samples }),
    footage: new CameraFootageService(deps),
    zones: new CameraZoneService({ ...deps, events }),
    plateFormats: new PlateFormatService(deps),
    models,
    samples,
    alarms,
    timeline,
    forms,
    formImports: new FormImportService({ db: deps.db, forms, dataDir: deps.dataDir }),
    tickets: new TicketService({ db: deps.db, events, store: deps.store, clock: options.clock }),
    notices: new NoticeService({ db: deps.db, events, clock: options.clock }),
    plans: new SupervisionPlanService({ db: deps.db, clock: options.clock }),
    enterpriseRecords: new EnterpriseRecordService({ db: deps.db, rectifications }),
    rectifications,
    annualReports,
    deadlines: new DeadlineReminderService({ db: deps.db, annualReports, declarationEndingDays: deadlines.declarationEndingDays, clock: options.clock }),
    notifications: new NotificationService({ db: deps.db, events, clock: options.clock, channels: outside.available, sendCode: outside.sendCode }),
    webhooks: new WebhookService({ db: deps.db, events, secrets, clock: options.clock }),
    integration: new IntegrationService({ db: deps.db, archiveSearch, archive, verdicts, clock: options.clock }),
    signingKey: deps.signingKey,
    secrets,
    dataDir: deps.dataDir,
    store: deps.store,
  };
}
