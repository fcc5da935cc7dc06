/**
 * What the platform sends to, started by a test on 127.0.0.1: a real SMTP server (smtp-server) that keeps
 * the mail it accepts, and an HTTP receiver (webhooks, SMS and IM gateways) that keeps each POST with its
 * headers and answers with whatever status the test sets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string;
}

/** `port`: listen there (a server started again where the platform expects it). */
export async function startSmtp(port = 0) {
  const mails: ReceivedMail[] = [];
  /** Set to refuse mail with this SMTP code (451: try later; 550: refused). */
  let refuseWith: number | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseWith) {
          const err = Object.assign(new Error(refuseWith >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: refuseWith });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        // Long headers are folded onto continuation lines.
        const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: decodeMimeWords(header('Subject')),
          messageId: header('Message-ID'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}?tls=off`,
    mails,
    refuse(code: number | null) {
      refuseWith = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Subjects come back as RFC 2047 words (=?UTF-8?B?…?=) when they are not ASCII. */
function decodeMimeWords(text: string): string {
  return text.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
    // Q: bytes as =XX, spaces as _, the rest as it is; the bytes are UTF-8.
    const bytes: number[] = [];
    for (let i = 0; i < data.length; i++) {
      if (data[i] === '=' && /^[0-9A-F]{2}$/i.test(data.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(data.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(data[i] === '_' ? 0x20 : data.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  });
}

export interface ReceivedPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export async function startReceiver() {
  const posts: ReceivedPost[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    posts,
    /** The status every next POST is answered with. */
    answer(code: number) {
      status = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
