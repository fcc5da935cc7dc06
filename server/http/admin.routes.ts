import { VISION_TASKS } from '../../inference/index.ts';
import { z } from 'zod';
import type { Api } from './api.ts';
import { okResponse, uuidParam } from './common.schemas.ts';
import { cameraRecordingModes, riskClasses, roles, rtspTransports, siteKinds } from '../db/schema.ts';
import type { AdminService } from '../services/admin.service.ts';
import { verifyAuditChain } from '../services/audit.service.ts';
import type { Db } from '../db/database.ts';
import { CAMERA_SCHEMES, grabCameraStill, isPushedSource, maskCredentials, MediaError } from '../../media/index.ts';
import type { Supervision } from '../live/supervision.ts';
import { AppError } from '../errors.ts';
import { cameraSchedule, DEFAULT_TIME_ZONE, timeZone } from '../contracts/schedule.ts';

const ADMIN = ['admin'] as const;
const date = z.date();

const port = z.object({ id: z.uuid(), code: z.string(), name: z.string(), timeZone: z.string(), createdAt: date }).meta({ id: 'Port' });
const portTimeZone = timeZone.meta({ description: "The port's clock (IANA name, e.g. Asia/Shanghai): its farms' camera schedules are in this local time" });
const schedule = cameraSchedule.nullable().meta({ description: "While supervised: weekly windows in the port's local time (days 1 = Monday … 7); null: always" });
const enterprise = z.object({ id: z.uuid(), name: z.string(), customsCode: z.string(), riskClass: z.enum(riskClasses), createdAt: date }).meta({ id: 'Enterprise' });
const user = z
  .object({
    id: z.uuid(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    enterpriseId: z.uuid().nullable(),
    portId: z.uuid().nullable(),
    locale: z.string(),
    active: z.boolean(),
    createdAt: date,
  })
  .meta({ id: 'User' });
const created = z.object({ id: z.uuid() }).loose();

const cameraUrl = z
  .string()
  .max(2000)
  .regex(new RegExp(`^(${CAMERA_SCHEMES.join('|')})://\\S+$`), `an ${CAMERA_SCHEMES.join(', ')} URL`);

export function adminRoutes(api: Api, admin: AdminService, db: Db, supervision: Pick<Supervision, 'still'>) {
  api.route({ method: 'get', path: '/ports', summary: 'Customs ports', tag: 'admin', access: 'any', response: z.array(port) }, () => admin.listPorts());
  api.route(
    {
      method: 'post',
      path: '/admin/ports',
      summary: 'Create a customs port',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({ code: z.string().regex(/^[0-9A-Z]{2,10}$/), name: z.string().min(1).max(200), timeZone: portTimeZone.default(DEFAULT_TIME_ZONE) }),
      response: port,
    },
    ({ principal, body }) => admin.createPort(principal, body),
  );
  api.route({ method: 'get', path: '/enterprises', summary: 'Enterprises the caller may see', tag: 'admin', access: 'any', response: z.array(enterprise) }, ({ principal }) =>
    admin.listEnterprises(principal),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/enterprises',
      summary: 'Register an enterprise',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({
        name: z.string().min(1).max(200),
        customsCode: z.string().regex(/^[0-9A-Z]{10}$/, 'a customs registration code has 10 characters'),
        riskClass: z.enum(riskClasses).default('B'),
      }),
      response: enterprise,
    },
    ({ principal, body }) => admin.createEnterprise(principal, body),
  );
  api.route({ method: 'get', path: '/admin/users', summary: 'Users', tag: 'admin', access: ADMIN, response: z.array(user) }, ({ principal }) => admin.listUsers(principal));
  api.route(
    {
      method: 'post',
      path: '/admin/users',
      summary: 'Create a user with a role',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({
        username: z.string().regex(/^[A-Za-z0-9_.@-]{3,64}$/),
        displayName: z.string().min(1).max(200),
        password: z.string().min(10).max(200),
        role: z.enum(roles),
        enterpriseId: z.uuid().nullable().optional(),
        portId: z.uuid().nullable().optional(),
        locale: z.enum(['zh-CN', 'en', 'ru']).optional(),
      }),
      response: user,
    },
    ({ principal, body }) => admin.createUser(principal, body),
  );
  api.route(
    {
      method: 'patch',
      path: '/admin/users/:id',
      summary: 'Edit a user; active=false disables the account (its logins end, its archived work stays)',
      tag: 'admin',
      access: ADMIN,
      params: uuidParam,
      body: z
        .object({
          displayName: z.string().min(1).max(200),
          enterpriseId: z.uuid().nullable(),
          portId: z.uuid().nullable(),
          locale: z.enum(['zh-CN', 'en', 'ru']),
          active: z.boolean(),
        })
        .partial(),
      response: user,
    },
    ({ principal, params, body }) => admin.updateUser(principal, params.id, body),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/users/:id/reset-password',
      summary: 'Give a user a new random password, shown once in this answer; their logins end',
      tag: 'admin',
      access: ADMIN,
      params: uuidParam,
      response: z.object({ temporaryPassword: z.string() }),
    },
    ({ principal, params }) => admin.resetPassword(principal, params.id),
  );
  api.route(
    {
      method: 'delete',
      path: '/admin/users/:id',
      summary: 'Delete a user who has done nothing on record (else 409 in_use: disable it)',
      tag: 'admin',
      access: ADMIN,
      params: uuidParam,
      response: okResponse,
    },
    async ({ principal, params }) => {
      await admin.deleteUser(principal, params.id);
      return { ok: true as const };
    },
  );
  const delegation = z.object({ brokerId: z.uuid(), enterpriseId: z.uuid() });
  api.route(
    {
      method: 'post',
      path: '/admin/delegations',
      summary: 'Let a broker act for an enterprise',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: delegation.extend({
        expiresAt: z.iso
          .datetime({ offset: true })
          .transform((s) => new Date(s))
          .nullable()
          .optional(),
      }),
      response: okResponse,
    },
    async ({ principal, body }) => {
      await admin.grantDelegation(principal, body);
      return { ok: true as const };
    },
  );
  api.route(
    { method: 'post', path: '/admin/delegations/revoke', summary: 'Revoke a broker delegation', tag: 'admin', access: ADMIN, body: delegation, response: okResponse },
    async ({ principal, body }) => {
      await admin.revokeDelegation(principal, body);
      return { ok: true as const };
    },
  );
  api.route(
    {
      method: 'post',
      path: '/admin/sites',
      summary: 'Register a site',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({
        enterpriseId: z.uuid(),
        portId: z.uuid().nullable().optional(),
        name: z.string().min(1).max(200),
        kind: z.enum(siteKinds),
        address: z.string().max(500).default(''),
      }),
      response: created,
    },
    ({ principal, body }) => admin.createSite(principal, body),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/cameras',
      summary: 'Register a site camera',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({
        siteId: z.uuid(),
        name: z.string().min(1).max(200),
        sourceUrl: cameraUrl.meta({ description: "The camera's main stream: recorded, opened full size" }),
        subSourceUrl: cameraUrl.nullable().default(null).meta({ description: 'Its sub-stream (low resolution): wall tiles and analysis; none: the main stream serves all' }),
        rtspTransport: z.enum(rtspTransports).default('tcp').meta({ description: 'RTSP: media in the RTSP connection (tcp) or on UDP ports' }),
        enabled: z.boolean().default(true),
        supervision: z.boolean().default(false).meta({ description: 'Supervision mode: ingested continuously, session or not' }),
        liveView: z.boolean().default(true).meta({ description: 'While supervised: shown live on the farm wall (off: analysed and recorded, not shown)' }),
        recording: z.enum(cameraRecordingModes).default('off').meta({ description: 'While supervised: continuous footage, only the minutes around alarms (events), or none' }),
        analysis: z.array(z.enum(VISION_TASKS)).max(VISION_TASKS.length).default([]).meta({ description: 'Vision tasks to run on the live feed' }),
        schedule: schedule.default(null),
      }),
      response: created,
    },
    ({ principal, body }) => admin.createCamera(principal, { ...body, analysis: [...new Set(body.analysis)] }),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/vehicles',
      summary: 'Register a vehicle plate for an enterprise',
      tag: 'admin',
      access: ADMIN,
      status: 201,
      body: z.object({ enterpriseId: z.uuid(), plate: z.string().min(2).max(20), description: z.string().max(200).optional() }),
      response: created,
    },
    ({ principal, body }) => admin.createVehicle(principal, body),
  );
  api.route(
    {
      method: 'put',
      path: '/admin/enterprises/:id/risk-class',
      summary: "Set an enterprise's risk class",
      tag: 'admin',
      access: ADMIN,
      params: uuidParam,
      body: z.object({ riskClass: z.enum(riskClasses) }),
      response: enterprise,
    },
    ({ principal, params, body }) => admin.setRiskClass(principal, params.id, body.riskClass),
  );
  api.route(
    {
      method: 'get',
      path: '/officers',
      summary: 'Officers (for searching the archive)',
      tag: 'admin',
      access: ['admin', 'supervisor', 'officer'],
      response: z.array(z.object({ id: z.uuid(), displayName: z.string(), portId: z.uuid().nullable() }).meta({ id: 'Officer' })),
    },
    ({ principal }) => admin.listOfficers(principal),
  );
  api.route(
    {
      method: 'get',
      path: '/admin/delegations',
      summary: 'Broker delegations, revoked ones included',
      tag: 'admin',
      access: ADMIN,
      response: z.array(
        z
          .object({ brokerId: z.uuid(), brokerName: z.string(), enterpriseId: z.uuid(), enterpriseName: z.string(), grantedAt: date, expiresAt: date.nullable(), revokedAt: date.nullable() })
          .meta({ id: 'Delegation' }),
      ),
    },
    ({ principal }) => admin.listDelegations(principal),
  );
  const site = z.object({ id: z.uuid(), enterpriseId: z.uuid(), portId: z.uuid().nullable(), name: z.string(), kind: z.enum(siteKinds), address: z.string(), createdAt: date }).meta({ id: 'Site' });
  api.route({ method: 'get', path: '/sites', summary: 'Sites the caller may see', tag: 'admin', access: 'any', response: z.array(site) }, ({ principal }) => admin.listVisibleSites(principal));
  api.route({ method: 'get', path: '/admin/sites', summary: 'Supervised sites', tag: 'admin', access: ['admin', 'supervisor'], response: z.array(site) }, ({ principal }) =>
    admin.listSites(principal),
  );
  const camera = z
    .object({
      id: z.uuid(),
      siteId: z.uuid(),
      name: z.string(),
      sourceUrl: z.string(),
      subSourceUrl: z.string().nullable(),
      rtspTransport: z.enum(rtspTransports),
      enabled: z.boolean(),
      supervision: z.boolean(),
      liveView: z.boolean(),
      recording: z.enum(cameraRecordingModes),
      analysis: z.array(z.string()),
      schedule: cameraSchedule.nullable(),
      createdAt: date,
    })
    .meta({ id: 'Camera' });
  api.route(
    {
      method: 'get',
      path: '/admin/cameras',
      summary: 'Site cameras',
      tag: 'admin',
      access: ['admin', 'supervisor'],
      query: z.object({ siteId: z.uuid().optional() }),
      response: z.array(camera),
    },
    ({ principal, query }) => admin.listCameras(principal, query.siteId),
  );
  api.route(
    {
      method: 'get',
      path: '/admin/cameras/:id/preview',
      summary: 'Test a camera: one frame from its main stream (or its sub-stream) as a JPEG',
      tag: 'admin',
      access: ADMIN,
      params: uuidParam,
      query: z.object({ input: z.enum(['main', 'sub']).default('main') }),
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, query, res }) => {
      const cam = await admin.camera(principal, params.id);
      if (query.input === 'sub' && cam.subSourceUrl === null) throw new AppError('not_found', `${cam.name} has no sub-stream`, { reason: 'no_sub_stream' });
      const url = query.input === 'sub' ? { sourceUrl: cam.subSourceUrl!, sourcePassword: cam.subSourcePassword } : cam;
      let still: Awaited<ReturnType<typeof grabCameraStill>> | null = null;
      // A camera that pushes its stream to the platform is received once: while it is supervised, the port is
      // the live feed's, and the test shows the feed's picture (a camera that does not send shows nothing).
      if (isPushedSource(url.sourceUrl)) {
        still = await supervision.still(cam.id, query.input).catch((err) => {
          // Held and silent: the port is the feed's, so opening it again here could only fail, and say less.
          if (err instanceof MediaError && err.code === 'camera_silent')
            throw new AppError('camera_unreachable', maskCredentials(`No picture from ${cam.name}: nothing arrives at ${url.sourceUrl}, where the platform listens`), { reason: 'camera_silent' });
          return null;
        });
      }
      try {
        still ??= await grabCameraStill({ sourceUrl: admin.liveSourceUrl(url), rtspTransport: cam.rtspTransport });
      } catch (err) {
        throw new AppError('camera_unreachable', maskCredentials(`No picture from ${cam.name}: ${(err as Error).message}`));
      }
      res.type('image/jpeg').set('Cache-Control', 'no-store').send(still.jpeg);
    },
  );
  const vehicle = z.object({ id: z.uuid(), enterpriseId: z.uuid(), plate: z.string(), description: z.string(), createdAt: date }).meta({ id: 'Vehicle' });
  api.route({ method: 'get', path: '/admin/vehicles', summary: 'Registered vehicles', tag: 'admin', access: ['admin', 'supervisor'], response: z.array(vehicle) }, ({ principal }) =>
    admin.listVehicles(principal),
  );
  api.route(
    {
      method: 'get',
      path: '/audit/verify',
      summary: 'Re-check the whole audit hash chain',
      tag: 'audit',
      access: ['admin', 'supervisor'],
      response: z.object({
        ok: z.boolean(),
        checked: z.number().int(),
        firstBad: z.object({ seq: z.number(), problem: z.string(), action: z.string(), entityId: z.string() }).optional(),
      }),
    },
    () => verifyAuditChain(db),
  );
  const editable = {
    port: z.object({ name: z.string().min(1).max(200), timeZone: portTimeZone }),
    enterprise: z.object({ name: z.string().min(1).max(200) }),
    site: z.object({ name: z.string().min(1).max(200), address: z.string().max(500), portId: z.uuid().nullable() }),
    camera: z.object({
      name: z.string().min(1).max(200),
      enabled: z.boolean(),
      supervision: z.boolean(),
      liveView: z.boolean(),
      recording: z.enum(cameraRecordingModes),
      analysis: z.array(z.enum(VISION_TASKS)).max(VISION_TASKS.length),
      subSourceUrl: cameraUrl.nullable(),
      rtspTransport: z.enum(rtspTransports),
      schedule,
    }),
  };
  const plural = { port: 'ports', enterprise: 'enterprises', site: 'sites', camera: 'cameras' } as const;
  for (const kind of Object.keys(editable) as Array<keyof typeof editable>) {
    api.route(
      { method: 'patch', path: `/admin/${plural[kind]}/:id`, summary: `Edit a ${kind}`, tag: 'admin', access: ADMIN, params: uuidParam, body: editable[kind].partial(), response: created },
      ({ principal, params, body }) => admin.update(principal, kind, params.id, body),
    );
    api.route(
      {
        method: 'delete',
        path: `/admin/${plural[kind]}/:id`,
        summary: `Delete a ${kind} nothing refers to yet (else 409 in_use)`,
        tag: 'admin',
        access: ADMIN,
        params: uuidParam,
        response: okResponse,
      },
      async ({ principal, params }) => {
        await admin.remove(principal, kind, params.id);
        return { ok: true as const };
      },
    );
  }
}
