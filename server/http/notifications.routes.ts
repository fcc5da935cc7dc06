/**
 * The notification centre, each user's addresses and channel choices, and for administrators the delivery
 * log and webhook endpoints; with the description of what a webhook receives and how to check it.
 */
import { z } from 'zod';
import type { Api } from './api.ts';
import { uuidParam } from './common.schemas.ts';
import { contactChannels, deliveryChannels, deliveryStatuses } from '../db/schema.ts';
import { notificationKinds, notificationPreferences, webhookEvent } from '../contracts/notifications.ts';
import { timeZone } from '../contracts/schedule.ts';
import type { NotificationService } from '../services/notifications.service.ts';
import type { WebhookService } from '../services/webhooks.service.ts';

const notificationList = z
  .object({
    unread: z.number(),
    items: z.array(
      z.object({
        id: z.number(),
        kind: z.string(),
        payload: z.record(z.string(), z.unknown()),
        title: z.string(),
        body: z.string(),
        link: z.string().meta({ description: 'the page of the web app it is about' }),
        createdAt: z.string(),
        readAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'NotificationList' });

const settings = z
  .object({
    channels: z.record(z.string(), z.array(z.enum(contactChannels))),
    quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
    contacts: z.array(z.object({ channel: z.enum(contactChannels), address: z.string(), verified: z.boolean(), codeSent: z.boolean() })),
    available: z.array(z.enum(contactChannels)).meta({ description: 'the outside channels this platform sends on' }),
  })
  .meta({ id: 'NotificationSettings' });

const channelParam = z.object({ channel: z.enum(contactChannels) });
const address = {
  email: z.email().max(254),
  sms: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{6,14}$/, 'a phone number in international form, +8613800000000'),
  im: z
    .string()
    .trim()
    .regex(/^[\w.@:+-]{2,100}$/, 'the handle the IM gateway knows the user by'),
};

const delivery = z
  .object({
    id: z.uuid(),
    channel: z.enum(deliveryChannels),
    to: z.string(),
    kind: z.string(),
    status: z.enum(deliveryStatuses),
    attempts: z.number(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    log: z.array(z.object({ at: z.string(), ok: z.boolean(), response: z.string(), durationMs: z.number() })),
  })
  .meta({ id: 'Delivery' });

const endpointFields = {
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  pausedAt: z.string().nullable(),
  consecutiveFailures: z.number(),
  pending: z.number(),
  createdAt: z.string(),
};
const endpoint = z.object(endpointFields).meta({ id: 'WebhookEndpoint' });
const endpointWithSecret = z.object({ ...endpointFields, secret: z.string().meta({ description: 'shown this once: keep it to check signatures' }) }).meta({ id: 'WebhookEndpointWithSecret' });
const endpointInput = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    description: z.string().trim().max(500).default(''),
    events: z.array(z.enum(notificationKinds)).max(notificationKinds.length).default([]),
  })
  .strict();

const WEBHOOK_DESCRIPTION = `Each event is POSTed as JSON (\`WebhookEvent\`, version 1) to every active endpoint that wants its type.

Headers: \`Watchpost-Signature: t=<unix seconds>,v1=<hex>\`, where v1 is HMAC-SHA256 over \`<t>.<raw body>\` keyed with the endpoint's secret; \`Idempotency-Key\` (the delivery id, the same on every retry; the event id in the body is the same at every endpoint).

Check it before trusting the body, on the raw bytes, and refuse a \`t\` more than 300 seconds from your clock (replays):

\`\`\`js
const crypto = require('node:crypto');
function verify(secret, header, rawBody, now = Date.now() / 1000) {
  const { t, v1 } = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  if (Math.abs(now - Number(t)) > 300) return false;
  const expected = crypto.createHmac('sha256', secret).update(t + '.' + rawBody).digest('hex');
  return v1.length === expected.length && crypto.timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}
\`\`\`

Answer any 2xx within 10 seconds. Anything else (a timeout, 5xx, 429) is retried with exponential back-off, 8 attempts over about 40 minutes; a 4xx other than 408/429 is not retried. After WEBHOOK_PAUSE_AFTER failed attempts in a row the endpoint is paused and the administrators told; events wait for it until it is resumed.`;

export function notificationRoutes(api: Api, deps: { notifications: NotificationService; webhooks: WebhookService }) {
  const { notifications, webhooks } = deps;
  api.webhook('event', { summary: 'An event, POSTed to each registered endpoint that wants its type', description: WEBHOOK_DESCRIPTION, schema: webhookEvent });

  api.route(
    {
      method: 'get',
      path: '/notifications',
      summary: "The caller's notifications, newest first (100 at a time: ?before=<id> for older), and how many are unread",
      tag: 'notifications',
      access: 'any',
      query: z.object({
        unread: z.stringbool().optional(),
        before: z.coerce.number().int().min(1).optional(),
        locale: z.enum(['zh-CN', 'en', 'ru']).optional(),
        timeZone: timeZone.optional(),
      }),
      response: notificationList,
    },
    ({ principal, query }) => notifications.list(principal, query),
  );
  api.route(
    {
      method: 'post',
      path: '/notifications/read',
      summary: 'Marks notifications read: these ids, or all',
      tag: 'notifications',
      access: 'any',
      body: z.union([z.object({ ids: z.array(z.number().int().min(1)).min(1).max(500) }).strict(), z.object({ all: z.literal(true) }).strict()]),
      response: notificationList,
    },
    ({ principal, body }) => notifications.markRead(principal, 'all' in body ? 'all' : body.ids),
  );
  api.route(
    { method: 'get', path: '/account/notifications', summary: "The caller's channels per kind of notification, quiet hours and addresses", tag: 'notifications', access: 'any', response: settings },
    ({ principal }) => notifications.settings(principal),
  );
  api.route(
    {
      method: 'put',
      path: '/account/notifications',
      summary: 'Sets the channels per kind of notification (in-app is always on) and quiet hours (alarms still go out)',
      tag: 'notifications',
      access: 'any',
      body: notificationPreferences,
      response: settings,
    },
    ({ principal, body }) => notifications.saveSettings(principal, body),
  );
  api.route(
    {
      method: 'put',
      path: '/account/contacts/:channel',
      summary: 'Sets an address (email, phone for SMS, IM handle) and sends a code to it; it is used once the code is typed back',
      tag: 'notifications',
      access: 'any',
      params: channelParam,
      body: z.object({ address: z.string().max(254) }).strict(),
      response: settings,
    },
    ({ principal, params, body }) => notifications.setContact(principal, params.channel, address[params.channel].parse(body.address)),
  );
  api.route(
    {
      method: 'post',
      path: '/account/contacts/:channel/verify',
      summary: 'Verifies an address with the code sent to it',
      tag: 'notifications',
      access: 'any',
      params: channelParam,
      body: z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') }).strict(),
      response: settings,
    },
    ({ principal, params, body }) => notifications.verifyContact(principal, params.channel, body.code),
  );
  api.route(
    { method: 'delete', path: '/account/contacts/:channel', summary: 'Removes an address', tag: 'notifications', access: 'any', params: channelParam, response: settings },
    ({ principal, params }) => notifications.removeContact(principal, params.channel),
  );

  api.route(
    {
      method: 'get',
      path: '/admin/deliveries',
      summary: 'The delivery log: what went out by email, SMS, IM and to webhooks, each attempt with its answer (newest 100)',
      tag: 'notifications',
      access: ['admin'],
      query: z.object({ status: z.enum(deliveryStatuses).optional(), channel: z.enum(deliveryChannels).optional(), endpointId: z.uuid().optional() }),
      response: z.array(delivery),
    },
    ({ principal, query }) => notifications.deliveries(principal, query),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/deliveries/:id/resend',
      summary: 'Sends a delivery again, with the same id (receivers that keep ids drop a copy)',
      tag: 'notifications',
      access: ['admin'],
      params: uuidParam,
      response: delivery.nullable(),
    },
    ({ principal, params }) => notifications.resend(principal, params.id),
  );
  api.route({ method: 'get', path: '/admin/webhooks', summary: 'Webhook endpoints', tag: 'notifications', access: ['admin'], response: z.array(endpoint) }, ({ principal }) =>
    webhooks.list(principal),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/webhooks',
      summary: 'Registers a webhook endpoint (events: the types it wants, empty for all); the answer shows its secret once',
      tag: 'notifications',
      access: ['admin'],
      status: 201,
      body: endpointInput,
      response: endpointWithSecret,
    },
    ({ principal, body }) => webhooks.create(principal, body),
  );
  api.route(
    {
      method: 'put',
      path: '/admin/webhooks/:id',
      summary: "Changes an endpoint's URL, description or events",
      tag: 'notifications',
      access: ['admin'],
      params: uuidParam,
      body: endpointInput,
      response: endpoint,
    },
    ({ principal, params, body }) => webhooks.update(principal, params.id, body),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/webhooks/:id/rotate-secret',
      summary: 'A new secret for an endpoint (shown once; the old one stops signing at once)',
      tag: 'notifications',
      access: ['admin'],
      params: uuidParam,
      response: endpointWithSecret,
    },
    ({ principal, params }) => webhooks.rotateSecret(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/webhooks/:id/resume',
      summary: 'Resumes a paused endpoint: what waited for it is sent',
      tag: 'notifications',
      access: ['admin'],
      params: uuidParam,
      response: endpoint,
    },
    ({ principal, params }) => webhooks.resume(principal, params.id),
  );
  api.route(
    {
      method: 'delete',
      path: '/admin/webhooks/:id',
      summary: 'Removes an endpoint (its delivery log stays)',
      tag: 'notifications',
      access: ['admin'],
      params: uuidParam,
      response: z.object({ removed: z.boolean() }),
    },
    async ({ principal, params }) => {
      await webhooks.remove(principal, params.id);
      return { removed: true };
    },
  );
}
