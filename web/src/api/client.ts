/** REST calls to the platform (same origin; the httpOnly session cookie authenticates). */
import type {
  CameraSchedule,
  ClusterNode,
  PlateFormat,
  BuiltInPlateFormat,
  ModelCard,
  HeldFrame,
  HeldFrameLabel,
  VisionSample,
  CameraZone,
  ZoneKind,
  FootageHold,
  Storage,
  Alarm,
  AlarmMute,
  ArchiveEntry,
  Booking,
  Camera,
  SupervisedCamera,
  FarmAlarm,
  FootageAt,
  Declaration,
  Delegation,
  Enterprise,
  LoadingBatch,
  Officer,
  Page,
  Port,
  Principal,
  Recording,
  Site,
  TimelineEvent,
  User,
  Vehicle,
  Verdict,
  Verification,
  LoadingEvent,
  LoadingRecord,
  LoadingVerification,
  FormDefinition,
  FormEntry,
  FormOverview,
  OverdueForms,
  FormImport,
  ImportMapping,
  Ticket,
  TicketSummary,
  Notice,
  PlanSettings,
  SupervisionPlan,
  EnterpriseRecord,
  RectificationSummary,
  Rectification,
  AnnualReportStatus,
  AnnualReportContents,
  OverdueAnnualReports,
  NotificationList,
  NotificationSettings,
  NotificationPreferences,
  Delivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  ServiceAccount,
  ServiceAccountWithKey,
} from './types.ts';

/** An error the API answered with: `code` is stable and has a translation (error.<code>). */
/** A refused or failed request: the server's code, and where it knows more, the reason and its parameters (see server/errors.ts). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason?: string,
    readonly params?: Record<string, string | number>,
    /** For validation_failed: which fields, by path. */
    readonly fields: string[] = [],
    /** The server's details as sent (a refused form's field-level problems). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface ErrorBody {
  code?: string;
  reason?: string;
  params?: Record<string, string | number>;
  message?: string;
  details?: Array<{ path?: unknown } | null>;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  return parseJson(await (await send(method, path, options)).text()) as T;
}

/** A binary answer (an image), with the same errors as request(). */
export async function requestBlob(path: string): Promise<Blob> {
  return (await send('GET', path)).blob();
}

interface RequestOptions {
  body?: unknown;
  query?: Query;
  raw?: Blob;
}

/** Sends a request; a failure (no answer, or an error status) is thrown as an ApiError. */
/** The query string of the set values (empty ones are left out). */
function queryString(query: Query): string {
  return new URLSearchParams(
    Object.entries(query)
      .filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== null && e[1] !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const qs = options.query ? queryString(options.query) : '';
  let res: Response;
  try {
    res = await fetch(`/api${path}${qs ? `?${qs}` : ''}`, {
      method,
      credentials: 'same-origin',
      headers: options.raw ? { 'Content-Type': options.raw.type } : options.body !== undefined ? { 'Content-Type': 'application/json' } : {},
      body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
    });
  } catch (err) {
    throw new ApiError(0, 'network', (err as Error).message);
  }
  if (!res.ok) {
    const error = (parseJson(await res.text()) as { error?: ErrorBody } | null)?.error;
    const fields = Array.isArray(error?.details) ? error.details.map((d) => (Array.isArray(d?.path) ? d.path.join('.') : typeof d?.path === 'string' ? d.path : '')).filter(Boolean) : [];
    throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? res.statusText, error?.reason, error?.params, fields, error?.details);
  }
  return res;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null; // A proxy's HTML error page, for example.
  }
}

const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query });
const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body });
const put = <T>(path: string, body: unknown) => request<T>('PUT', path, { body });
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });

export type EditableKind = 'ports' | 'enterprises' | 'sites' | 'cameras';

export const api = {
  login: (username: string, password: string) => post<Principal>('/auth/login', { username, password }),
  logout: () => post<{ ok: true }>('/auth/logout'),
  me: () => get<Principal>('/auth/me'),
  changePassword: (body: { currentPassword: string; newPassword: string }) => post<{ ok: true }>('/auth/password', body),

  declarations: (query: Query = {}) => get<Page<Declaration>>('/declarations', query),
  declaration: (id: string) => get<Declaration>(`/declarations/${id}`),
  registerDeclaration: (body: {
    number: string;
    enterpriseId: string;
    portId: string;
    siteId: string | null;
    goodsDescription: string;
    declaredQuantity: number;
    quantityUnit: string;
    sealNumbers: string[];
    validUntil?: string;
  }) => post<Declaration>('/declarations', body),
  /** Sites the caller may see (an enterprise its own, an officer those of its port). */
  visibleSites: () => get<Site[]>('/sites'),

  bookings: (query: Query = {}) => get<Page<Booking>>('/bookings', query),
  booking: (id: string) => get<Booking>(`/bookings/${id}`),
  requestBooking: (body: { declarationId: string; type: string; slotStart: string; slotEnd: string; note?: string; vehiclePlate?: string }) => post<Booking>('/bookings', body),
  bookingAction: (id: string, action: 'confirm' | 'accept' | 'cancel' | 'no-show' | 'start' | 'complete', reason = '') => post<Booking>(`/bookings/${id}/${action}`, { reason }),
  proposeSlot: (id: string, body: { slotStart: string; slotEnd: string; reason?: string }) => post<Booking>(`/bookings/${id}/propose`, body),

  timeline: (sessionId: string) => get<TimelineEvent[]>(`/sessions/${sessionId}/timeline`),
  recordings: (sessionId: string) => get<Recording[]>(`/sessions/${sessionId}/recordings`),
  alarms: (sessionId: string) => get<Alarm[]>(`/sessions/${sessionId}/alarms`),
  openAlarms: () => get<Alarm[]>('/alarms/open'),
  /** The review queue of supervised farms. */
  reviewQueue: (query: Query) => get<Page<FarmAlarm>>('/review/alarms', query),
  /** Where a supervised camera's footage shows a moment (null: nothing recorded then). */
  footageAt: (cameraId: string, at: string) => get<FootageAt | null>(`/cameras/${cameraId}/footage`, { at }),
  holdFootage: (cameraId: string, body: { from: string; to: string; reason: string }) => post<FootageHold>(`/cameras/${cameraId}/footage-holds`, body),
  storage: () => get<Storage>('/admin/storage'),
  /** The platform's nodes beating now. */
  nodes: () => get<ClusterNode[]>('/admin/nodes'),
  cameraLiveStill: (cameraId: string) => requestBlob(`/admin/cameras/${cameraId}/live-still`),
  zones: (cameraId: string) => get<CameraZone[]>(`/cameras/${cameraId}/zones`),
  createZone: (cameraId: string, body: { name: string; kind: ZoneKind; polygon: Array<[number, number]> }) => post<CameraZone>(`/admin/cameras/${cameraId}/zones`, body),
  deleteZone: (cameraId: string, zoneId: string) => request<{ ok: true }>('DELETE', `/admin/cameras/${cameraId}/zones/${zoneId}`),
  acknowledgeAlarm: (alarmId: string) => post<Alarm>(`/alarms/${alarmId}/acknowledge`),
  acknowledgeAlarms: (alarmIds: string[]) => post<{ acknowledged: string[]; skipped: string[] }>('/alarms/acknowledge', { alarmIds }),
  muteAlarms: (sessionId: string, body: { cameraId: string; rule: string; minutes: number; reason: string }) => post<AlarmMute>(`/sessions/${sessionId}/alarm-mutes`, body),
  verdict: (sessionId: string) => get<Verdict>(`/sessions/${sessionId}/verdict`),
  recordVerdict: (sessionId: string, body: { outcome: string; findings: string; followUp?: string; rectifyBy?: string }) => post<Verdict>(`/sessions/${sessionId}/verdict`, body),
  verify: (sessionId: string) => get<Verification>(`/sessions/${sessionId}/verify`),
  uploadPhoto: (sessionId: string, file: Blob) => request<TimelineEvent>('POST', `/sessions/${sessionId}/photos`, { raw: file }),
  loadingBatches: (sessionId: string) => get<LoadingBatch[]>(`/sessions/${sessionId}/loading-batches`),
  openBatch: (sessionId: string, body: { cameraId: string; line: { a: [number, number]; b: [number, number] }; expected?: number }) =>
    post<LoadingBatch>(`/sessions/${sessionId}/loading-batches`, body),
  closeBatch: (sessionId: string, batchId: string) => post<LoadingBatch & { alarmId: string | null }>(`/sessions/${sessionId}/loading-batches/${batchId}/close`),
  confirmBatchTotal: (sessionId: string, batchId: string, total: number) => post<VisionSample>(`/sessions/${sessionId}/loading-batches/${batchId}/total`, { total }),
  /** Holds the frame a camera's analysis saw last, to correct it (a session's camera, or a supervised farm's). */
  holdFrame: (body: { cameraId: string; task: 'count' | 'plate' | 'seal'; sessionId?: string | null }) => post<HeldFrame>('/vision/frames', body),
  labelFrame: (frameId: string, label: HeldFrameLabel) => post<VisionSample>(`/vision/frames/${frameId}/label`, { label }),
  visionSamples: () => get<{ counts: Record<VisionSample['task'], number>; latest: VisionSample[] }>('/vision/samples'),
  requestExport: (sessionId: string, locale: string) => post<ExportStatus>(`/sessions/${sessionId}/exports`, { locale }),
  exportStatus: (exportId: string) => get<ExportStatus>(`/exports/${exportId}`),
  archive: (query: Query) => get<Page<ArchiveEntry>>('/archive/sessions', query),

  /** Loading records (全链条监管): a shipment loaded at a supervised farm. */
  loadingRecords: (query: Query) => get<Page<LoadingRecord>>('/loading-records', query),
  loadingRecord: (id: string) => get<{ record: LoadingRecord; events: LoadingEvent[] }>(`/loading-records/${id}`),
  openLoadingRecord: (body: { declarationId: string; vehiclePlate?: string }) => post<LoadingRecord>('/loading-records', body),
  tickLoadingCheck: (id: string, body: { item: string; cameraId?: string }) => post<LoadingEvent>(`/loading-records/${id}/checks`, body),
  addLoadingNote: (id: string, text: string) => post<LoadingEvent>(`/loading-records/${id}/notes`, { text }),
  openDeck: (id: string, body: { cameraId: string; line: { a: [number, number]; b: [number, number] } }) => post<LoadingEvent>(`/loading-records/${id}/decks`, body),
  closeDeck: (id: string) => post<LoadingEvent>(`/loading-records/${id}/decks/close`),
  decideLoading: (id: string, body: { decision: 'release' | 'hold'; reason?: string }) => post<LoadingRecord>(`/loading-records/${id}/decision`, body),
  verifyLoading: (id: string) => get<LoadingVerification>(`/loading-records/${id}/verification`),

  ports: () => get<Port[]>('/ports'),
  enterprises: () => get<Enterprise[]>('/enterprises'),
  officers: () => get<Officer[]>('/officers'),
  createEnterprise: (body: { name: string; customsCode: string; riskClass: string }) => post<Enterprise>('/admin/enterprises', body),
  setRiskClass: (id: string, riskClass: string) => put<Enterprise>(`/admin/enterprises/${id}/risk-class`, { riskClass }),
  users: () => get<User[]>('/admin/users'),
  createUser: (body: Record<string, unknown>) => post<User>('/admin/users', body),
  updateUser: (id: string, body: { displayName?: string; active?: boolean; portId?: string | null; enterpriseId?: string | null; locale?: string }) => patch<User>(`/admin/users/${id}`, body),
  resetPassword: (id: string) => post<{ temporaryPassword: string }>(`/admin/users/${id}/reset-password`),
  deleteUser: (id: string) => request<{ ok: true }>('DELETE', `/admin/users/${id}`),
  createPort: (body: { code: string; name: string; timeZone?: string }) => post<Port>('/admin/ports', body),
  /** Renames or switches off what administration registered. */
  updateEntity: (
    kind: EditableKind,
    id: string,
    body: {
      name?: string;
      enabled?: boolean;
      supervision?: boolean;
      liveView?: boolean;
      recording?: 'continuous' | 'events' | 'off';
      analysis?: string[];
      address?: string;
      timeZone?: string;
      schedule?: CameraSchedule | null;
    },
  ) => patch<{ id: string }>(`/admin/${kind}/${id}`, body),
  /** Deletes it while nothing refers to it (else in_use). */
  deleteEntity: (kind: EditableKind, id: string) => request<{ ok: true }>('DELETE', `/admin/${kind}/${id}`),
  delegations: () => get<Delegation[]>('/admin/delegations'),
  grantDelegation: (body: { brokerId: string; enterpriseId: string }) => post<{ ok: true }>('/admin/delegations', body),
  revokeDelegation: (body: { brokerId: string; enterpriseId: string }) => post<{ ok: true }>('/admin/delegations/revoke', body),
  sites: () => get<Site[]>('/admin/sites'),
  createSite: (body: { enterpriseId: string; name: string; kind: string; address: string }) => post<Site>('/admin/sites', body),
  cameras: (siteId?: string) => get<Camera[]>('/admin/cameras', { siteId }),
  /** The supervised farm cameras the caller may see, with their state. */
  supervisedCameras: () => get<SupervisedCamera[]>('/supervision/cameras'),
  createCamera: (body: {
    siteId: string;
    name: string;
    sourceUrl: string;
    subSourceUrl: string | null;
    rtspTransport: 'tcp' | 'udp';
    analysis: string[];
    supervision: boolean;
    recording: 'continuous' | 'events' | 'off';
  }) => post<Camera>('/admin/cameras', body),
  vehicles: () => get<Vehicle[]>('/admin/vehicles'),
  plateFormats: () => get<{ formats: PlateFormat[]; builtIn: BuiltInPlateFormat[] }>('/admin/plate-formats'),
  createPlateFormat: (body: { name: string; pattern: string; example: string; portId: string | null; correctAnywhere: boolean }) => post<PlateFormat>('/admin/plate-formats', body),
  deletePlateFormat: (id: string) => request<{ ok: true }>('DELETE', `/admin/plate-formats/${id}`),
  models: () => get<{ count: { active: string; default: string; versions: ModelCard[] }; text: string }>('/admin/models'),
  activateModel: (version: string) => put<{ active: string }>('/admin/models/count', { version }),
  /** One frame from a camera's source (the administrator's camera test). */
  cameraPreview: (cameraId: string, input: 'main' | 'sub' = 'main') => requestBlob(`/admin/cameras/${cameraId}/preview?input=${input}`),
  createVehicle: (body: { enterpriseId: string; plate: string; description?: string }) => post<Vehicle>('/admin/vehicles', body),

  formOverview: (siteId: string, from: string, to: string) => get<FormOverview>(`/farms/${siteId}/forms`, { from, to }),
  formEntry: (siteId: string, key: string, day: string) => get<{ site: FormOverview['site']; definition: FormDefinition; entry: FormEntry | null }>(`/farms/${siteId}/forms/${key}/${day}`),
  formRevision: (siteId: string, key: string, day: string, revision: number) =>
    get<{ definition: FormDefinition; revision: number; reason: string | null; values: Record<string, unknown> }>(`/farms/${siteId}/forms/${key}/${day}/revisions/${revision}`),
  saveFormDraft: (siteId: string, key: string, day: string, values: Record<string, unknown>) => put<FormEntry>(`/farms/${siteId}/forms/${key}/${day}`, { values }),
  submitForm: (siteId: string, key: string, day: string, values: Record<string, unknown>) => post<FormEntry>(`/farms/${siteId}/forms/${key}/${day}/submit`, { values }),
  correctForm: (siteId: string, key: string, day: string, values: Record<string, unknown>, reason: string) => post<FormEntry>(`/farms/${siteId}/forms/${key}/${day}/correct`, { values, reason }),
  noteForm: (siteId: string, key: string, day: string, text: string, returnForCorrection: boolean) => post<FormEntry>(`/farms/${siteId}/forms/${key}/${day}/notes`, { text, returnForCorrection }),
  overdueForms: () => get<{ overdue: OverdueForms[] }>('/forms/overdue'),
  /** The file goes as it is, never as JSON the server would parse (a .json file included). */
  startImport: (siteId: string, form: string, file: File, dryRun: boolean) =>
    request<FormImport>('POST', `/farms/${siteId}/imports`, { raw: new Blob([file], { type: 'application/octet-stream' }), query: { form, name: file.name, dryRun } }),
  formImport: (id: string) => get<FormImport>(`/imports/${id}`),
  importMapping: (siteId: string, form: string) => get<{ mapping: ImportMapping | null }>(`/farms/${siteId}/import-mappings/${form}`),
  tickets: (status?: string) => get<TicketSummary[]>('/tickets', { status }),
  ticket: (id: string) => get<Ticket>(`/tickets/${id}`),
  raiseTicket: (body: { enterpriseId: string; subject: 'declaration' | 'booking' | 'general'; subjectId?: string; portId?: string; title: string; text: string }) => post<Ticket>('/tickets', body),
  replyTicket: (id: string, text: string) => post<Ticket>(`/tickets/${id}/messages`, { text }),
  /** The file as it is (a JSON file too: never parsed by the server). */
  attachToTicket: (id: string, file: File) =>
    request<Ticket>('POST', `/tickets/${id}/attachments`, {
      raw: new Blob([file], { type: file.type && file.type !== 'application/json' ? file.type : 'application/octet-stream' }),
      query: { name: file.name },
    }),
  closeTicket: (id: string) => post<Ticket>(`/tickets/${id}/close`),
  notices: () => get<Notice[]>('/notices'),
  publishNotice: (body: { portId: string | null; riskClasses: string[]; siteKinds: string[]; texts: Notice['texts'] }) => post<Notice>('/notices', body),
  acknowledgeNotice: (id: string) => post<Notice>(`/notices/${id}/acknowledge`),
  enterpriseRecord: (enterpriseId: string) => get<EnterpriseRecord>(`/enterprises/${enterpriseId}/record`),
  rectifications: (query: { status?: string; enterpriseId?: string } = {}) => get<RectificationSummary[]>('/rectifications', query),
  rectification: (id: string) => get<Rectification>(`/rectifications/${id}`),
  reportRectification: (id: string, text: string) => post<Rectification>(`/rectifications/${id}/report`, { text }),
  reviewRectification: (id: string, accept: boolean, note: string) => post<Rectification>(`/rectifications/${id}/review`, { accept, note }),
  annualReport: (enterpriseId: string) => get<AnnualReportStatus>(`/enterprises/${enterpriseId}/annual-report`),
  fileAnnualReport: (enterpriseId: string, year: number, contents: AnnualReportContents) => put<AnnualReportStatus>(`/enterprises/${enterpriseId}/annual-report/${year}`, contents),
  overdueAnnualReports: () => get<OverdueAnnualReports>('/annual-reports/overdue'),
  notifications: (query: { unread?: boolean; before?: number; locale: string }) =>
    get<NotificationList>('/notifications', { ...query, unread: query.unread ? 'true' : undefined, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }),
  markNotificationsRead: (ids: number[] | 'all') => post<NotificationList>('/notifications/read', ids === 'all' ? { all: true } : { ids }),
  notificationSettings: () => get<NotificationSettings>('/account/notifications'),
  saveNotificationSettings: (body: NotificationPreferences) => put<NotificationSettings>('/account/notifications', body),
  setContact: (channel: 'email' | 'sms' | 'im', address: string) => put<NotificationSettings>(`/account/contacts/${channel}`, { address }),
  verifyContact: (channel: 'email' | 'sms' | 'im', code: string) => post<NotificationSettings>(`/account/contacts/${channel}/verify`, { code }),
  removeContact: (channel: 'email' | 'sms' | 'im') => request<NotificationSettings>('DELETE', `/account/contacts/${channel}`, {}),
  deliveries: (query: { status?: string; channel?: string } = {}) => get<Delivery[]>('/admin/deliveries', query),
  resendDelivery: (id: string) => post<Delivery | null>(`/admin/deliveries/${id}/resend`),
  webhooks: () => get<WebhookEndpoint[]>('/admin/webhooks'),
  createWebhook: (body: { url: string; description: string; events: string[] }) => post<WebhookEndpointWithSecret>('/admin/webhooks', body),
  rotateWebhookSecret: (id: string) => post<WebhookEndpointWithSecret>(`/admin/webhooks/${id}/rotate-secret`),
  resumeWebhook: (id: string) => post<WebhookEndpoint>(`/admin/webhooks/${id}/resume`),
  serviceAccounts: () => get<ServiceAccount[]>('/admin/service-accounts'),
  createServiceAccount: (body: { name: string; scopes: string[]; ratePerMinute: number }) => post<ServiceAccountWithKey>('/admin/service-accounts', body),
  rotateServiceKey: (id: string) => post<ServiceAccountWithKey>(`/admin/service-accounts/${id}/rotate`),
  revokeServiceAccount: (id: string) => post<ServiceAccount>(`/admin/service-accounts/${id}/revoke`),
  removeWebhook: (id: string) => request<{ removed: boolean }>('DELETE', `/admin/webhooks/${id}`, {}),
  planSettings: (portId: string) => get<PlanSettings>(`/ports/${portId}/plan-settings`),
  savePlanSettings: (portId: string, settings: PlanSettings) => put<PlanSettings>(`/admin/ports/${portId}/plan-settings`, settings),
  supervisionPlan: (portId: string, from: string, to: string) => get<SupervisionPlan>(`/ports/${portId}/plan`, { from, to }),
  saveImportMapping: (siteId: string, form: string, mapping: ImportMapping) => put<{ mapping: ImportMapping }>(`/farms/${siteId}/import-mappings/${form}`, mapping),
};

export interface ExportStatus {
  exportId: string;
  state: string;
  /** 0-100 */
  progress: number;
  error: string | null;
}

/** URLs the browser loads itself (media elements, images). */
export const mediaUrl = {
  recording: (sessionId: string, recordingId: string) => `/api/sessions/${sessionId}/recordings/${recordingId}/file`,
  poster: (sessionId: string, recordingId: string) => `/api/sessions/${sessionId}/recordings/${recordingId}/poster`,
  snapshot: (sessionId: string, eventId: number) => `/api/sessions/${sessionId}/snapshots/${eventId}`,
  /** The still kept with a loading record's checklist tick. */
  loadingStill: (recordId: string, eventId: number) => `/api/loading-records/${recordId}/stills/${eventId}`,
  alarmEvidence: (alarmId: string) => `/api/alarms/${alarmId}/evidence`,
  /** A frame held for an officer's correction, and a labelled sample's picture. */
  heldFrame: (frameId: string) => `/api/vision/frames/${frameId}/image`,
  sampleImage: (sampleId: string) => `/api/vision/samples/${sampleId}/image`,
  /** The footage a few seconds either side of a farm alarm. */
  alarmClip: (alarmId: string) => `/api/alarms/${alarmId}/clip`,
  exportFile: (exportId: string) => `/api/exports/${exportId}/file`,
  /** The archive search as a CSV download. */
  archiveCsv: (query: Query) => `/api/archive/sessions.csv?${queryString(query)}`,
  /** The same as an Excel workbook. */
  footage: (footageId: number) => `/api/footage/${footageId}/video`,
  archiveXlsx: (query: Query) => `/api/archive/sessions.xlsx?${queryString(query)}`,
};
