/**
 * How a message leaves the platform: by SMTP (nodemailer), or as a signed JSON POST (a webhook endpoint, or
 * the SMS or IM gateway that passes it on). Each send names its delivery id, so a retried send is one message
 * where the other side honours it (the email's Message-ID, the POST's Idempotency-Key).
 */
import nodemailer from 'nodemailer';
import { SIGNATURE_HEADER, signBody } from './signature.ts';

const TIMEOUT_MS = 10_000;
/** Kept of an answer in the delivery log. */
const RESPONSE_CHARS = 500;

export class SendError extends Error {
  constructor(
    message: string,
    /** Whether trying again may help (a timeout, a 5xx, 429); a 4xx will not. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface EmailMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type EmailSender = (message: EmailMessage) => Promise<string>;

/** An SMTP sender (`smtp://user:pass@host:port`, `smtps://…`); its answer is the server's response line. */
export function smtpSender(url: string, from: string): EmailSender & { close(): void } {
  const parsed = new URL(url);
  const transport = nodemailer.createTransport({
    host: parsed.hostname,
    port: Number(parsed.port) || (parsed.protocol === 'smtps:' ? 465 : 587),
    secure: parsed.protocol === 'smtps:',
    auth: parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : undefined,
    // A server on this machine or a LAN relay may offer no TLS; ?tls=required insists on it.
    requireTLS: parsed.searchParams.get('tls') === 'required',
    ignoreTLS: parsed.searchParams.get('tls') === 'off',
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS * 3,
  });
  const send = async (m: EmailMessage) => {
    try {
      const info = await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: `<${m.id}@watchpost>` });
      return String(info.response ?? 'sent').slice(0, RESPONSE_CHARS);
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx from the server: the address or message is refused; anything else (connection, 4xx) may pass later.
      throw new SendError((err as Error).message.slice(0, RESPONSE_CHARS), !(code && code >= 500));
    }
  };
  return Object.assign(send, { close: () => transport.close() });
}

/** POSTs a JSON body signed with the secret; resolves with the answer's status, throws a SendError otherwise. */
export async function postSigned(url: string, secret: string, body: unknown, idempotencyKey: string, now: Date = new Date()): Promise<string> {
  const text = JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, text, now), 'Idempotency-Key': idempotencyKey, 'User-Agent': 'Watchpost' },
      body: text,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new SendError(`${(err as Error).name}: ${(err as Error).message}`.slice(0, RESPONSE_CHARS), true);
  }
  const answer = (await res.text().catch(() => '')).slice(0, RESPONSE_CHARS);
  if (res.ok) return `${res.status} ${answer}`.trim();
  throw new SendError(`${res.status} ${answer}`.trim(), res.status >= 500 || res.status === 429 || res.status === 408);
}
