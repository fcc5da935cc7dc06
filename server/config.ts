import path from 'node:path';
import { z } from 'zod';
import { isCalendarDay } from './contracts/local-time.ts';

/** Configuration is read from the environment once, at start-up, and validated here. */
const booleanString = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** `a, b,c` -> ['a', 'b', 'c']; unset -> []. */
const commaList = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : [],
  );

const configSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Where PGlite, the local Redis, recordings and keys live when no external service is configured. */
    DATA_DIR: z.string().min(1).default('./data'),
    /** A PostgreSQL server (postgres://...). Unset: embedded PGlite in DATA_DIR/pglite. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** A Redis server (redis://...). Unset: the app starts its own redis-server child process. */
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Prefix of every Redis key and channel (queues, socket.io), so several deployments can share a Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default('watchpost'),
    /** The platform's Ed25519 private key (PEM). Default: DATA_DIR/keys/platform-ed25519.pem, created if missing. */
    SIGNING_KEY_FILE: z.string().min(1).optional(),
    /** The key that seals secrets kept in the database (camera passwords, webhook secrets). Default: DATA_DIR/keys/camera-secrets.key, created if missing. */
    SECRETS_KEY_FILE: z.string().min(1).optional(),
    /** The built web app to serve (default: web/dist of this checkout). */
    WEB_DIST: z.string().min(1).optional(),
    REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How long a login lasts without use. */
    SESSION_TTL_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
    /** Set true behind HTTPS so the session cookie is only sent over TLS. */
    COOKIE_SECURE: booleanString.default(false),
    /** Minutes before a confirmed inspection at which the enterprise and officer are reminded. */
    REMINDER_MINUTES_BEFORE: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** mediasoup workers; 0 means one per CPU core. */
    MEDIA_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
    /** Where WebRTC media listens: 0.0.0.0 to accept phones from the network. */
    MEDIA_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
    /** The address announced to browsers when the listen address is not reachable as is (NAT, 0.0.0.0). */
    MEDIA_ANNOUNCED_IP: z.string().min(1).optional(),
    MEDIA_RTC_MIN_PORT: z.coerce.number().int().min(1024).max(65535).default(40000),
    MEDIA_RTC_MAX_PORT: z.coerce.number().int().min(1024).max(65535).default(49999),
    /** TURN servers (coturn) handed to browsers, comma-separated turn: / turns: URLs. */
    TURN_URLS: commaList.pipe(z.array(z.string().regex(/^turns?:/, 'TURN URLs start with turn: or turns:'))),
    TURN_USERNAME: z.string().optional(),
    TURN_CREDENTIAL: z.string().optional(),
    RECORDING_SEGMENT_SECONDS: z.coerce.number().int().min(2).max(300).default(10),
    /** A site camera that sends nothing this long raises camera_offline. */
    CAMERA_OFFLINE_SECONDS: z.coerce.number().int().min(2).max(600).default(10),
    /** Days a supervised camera's continuous footage is kept (sealed session evidence follows its own retention). */
    CAMERA_FOOTAGE_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
    /** Days a farm's labelled vision samples (officers' corrections outside sessions) are kept; a session's go with its recording. */
    VISION_SAMPLE_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    /** A farm's daily forms for a day are due by this local time (its port's zone) the next day. */
    FORMS_DUE_TIME: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
      .default('10:00'),
    /** Hours past due after which a missing daily form is escalated to the port's officers (their dashboard). */
    FORMS_GRACE_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 14)
      .default(24),
    /** Days an enterprise has to put right what a `rectify` verdict found, unless the officer sets the day. */
    RECTIFY_DAYS: z.coerce.number().int().min(1).max(365).default(15),
    /** The enterprise is reminded this many days before a declaration's validity ends (if not inspected yet). */
    DECLARATION_ENDING_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    /** The day (MM-DD, the next year) an enterprise's annual report for a year is due. */
    ANNUAL_REPORT_DUE: z
      .string()
      .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD')
      .refine((d) => isCalendarDay(`2025-${d}`), 'a day of the year (not 02-29)')
      .default('06-30'),
    /** Where the web app is reached, for links in emails and messages; unset: http://HOST:PORT. */
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** An SMTP server for email notifications (smtp://user:pass@host:587, smtps://…:465; ?tls=off|required); unset: no email. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.string().min(3).default('Watchpost <watchpost@localhost>'),
    /** A gateway that passes messages on as SMS (a signed JSON POST); unset: no SMS. */
    SMS_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
    SMS_GATEWAY_SECRET: z.string().min(16).optional(),
    /** A gateway that passes messages on to an instant-messaging app (WeCom, DingTalk, Telegram bridge); unset: none. */
    IM_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
    IM_GATEWAY_SECRET: z.string().min(16).optional(),
    /** Messages sent per minute at most on each channel (email, SMS, IM, webhooks), each on its own. */
    DELIVERY_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
    /** Seconds before a failed delivery is tried again; each next retry waits twice as long (8 attempts). */
    DELIVERY_RETRY_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
    /** Failed attempts in a row after which a webhook endpoint is paused (and the administrators told). */
    WEBHOOK_PAUSE_AFTER: z.coerce.number().int().min(1).max(1000).default(10),
    /** Past this share of the data directory's disk used, the oldest camera footage (not on hold) is deleted. */
    STORAGE_MAX_USED_PERCENT: z.coerce.number().min(10).max(99).default(90),
    /** A site camera whose picture does not change at all this long raises camera_frozen. */
    CAMERA_FROZEN_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
    /** Characters a plate read may differ from a registered or booked plate and still be that vehicle. */
    PLATE_MATCH_DISTANCE: z.coerce.number().int().min(0).max(3).default(1),
    /** The same alarm (rule, camera, value) is raised again at most once per this many seconds in a session. */
    ALARM_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** An S3-compatible bucket for finished evidence (recordings, posters, snapshots, seals). Unset: DATA_DIR. */
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
    /** The S3-compatible server (MinIO, Ceph, ...), e.g. http://127.0.0.1:9000. Unset: AWS. */
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    /** Key prefix inside the bucket, e.g. "watchpost/". */
    S3_PREFIX: z
      .string()
      .regex(/^([A-Za-z0-9_.-]+\/)*$/, 'segments ending with /')
      .default(''),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Path-style URLs (bucket in the path); default true with S3_ENDPOINT, as most S3-compatible servers need. */
    S3_FORCE_PATH_STYLE: booleanString.optional(),
    /** Inference worker processes; 0 means one per CPU core. Started when the first analysed camera goes live. */
    INFERENCE_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
    /** This node's name in the cluster (several nodes sharing DATABASE_URL, REDIS_URL and storage form one platform). Unset: host name and process id. */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore, at most 64')
      .optional(),
    /**
     * What this node does for the platform: `all` (sessions, cameras, their analysis), or `inference` (only
     * analysis: the other nodes send it their cameras' frames and take no work of theirs there).
     */
    NODE_ROLE: z.enum(['all', 'inference']).default('all'),
    /** How other nodes reach this one's internal API (http://host:port). Unset: http://HOST:PORT as listened on. */
    NODE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The address other nodes send piped media to (this node's address on the cluster network). Unset: MEDIA_ANNOUNCED_IP, else MEDIA_LISTEN_IP (127.0.0.1 when that is 0.0.0.0). */
    MEDIA_PIPE_IP: z.ipv4().or(z.ipv6()).optional(),
    /** The shared secret nodes authenticate each other's internal calls with (at least 32 characters). Unset: one generated and kept in Redis, readable by whoever reads Redis. */
    CLUSTER_SECRET: z.string().min(32).optional(),
    /** SIGTERM with live sessions and no other node to move them to: how long they may go on before they are closed. */
    DRAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
    /** SIGTERM: how long an orderly stop may take before the process exits anyway. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
    /** Origins (scheme://host:port) besides the platform's own that may send state-changing requests, comma-separated. */
    ALLOWED_ORIGINS: commaList.pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'origins look like https://host[:port]'))),
    /** A folder of video files that cameras may use as a file: source (demos, tests). Unset: no file sources. */
    CAMERA_MEDIA_DIR: z.string().min(1).optional(),
  })
  .refine((c) => c.MEDIA_RTC_MIN_PORT < c.MEDIA_RTC_MAX_PORT, { message: 'must be below MEDIA_RTC_MAX_PORT', path: ['MEDIA_RTC_MIN_PORT'] })
  // A gateway is called with its secret (it checks the signature): one without the other is a mistake.
  .refine((c) => !c.SMS_GATEWAY_URL === !c.SMS_GATEWAY_SECRET, { message: 'SMS_GATEWAY_URL and SMS_GATEWAY_SECRET go together', path: ['SMS_GATEWAY_SECRET'] })
  .refine((c) => !c.IM_GATEWAY_URL === !c.IM_GATEWAY_SECRET, { message: 'IM_GATEWAY_URL and IM_GATEWAY_SECRET go together', path: ['IM_GATEWAY_SECRET'] });

export type Config = z.infer<typeof configSchema> & { dataDir: string; signingKeyFile: string; secretsKeyFile: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const dataDir = path.resolve(parsed.data.DATA_DIR);
  const signingKeyFile = path.resolve(parsed.data.SIGNING_KEY_FILE ?? path.join(dataDir, 'keys', 'platform-ed25519.pem'));
  const secretsKeyFile = path.resolve(parsed.data.SECRETS_KEY_FILE ?? path.join(dataDir, 'keys', 'camera-secrets.key'));
  return { ...parsed.data, dataDir, signingKeyFile, secretsKeyFile };
}
