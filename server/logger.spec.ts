import http from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('request logs', () => {
  it('never carry the session cookie, a maintenance token or a set-cookie', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = express();
    app.use(pinoHttp({ logger: createLogger('info', sink) }));
    app.get('/x', (_req, res) => res.cookie('wp_session', 'secret-session-value').json({ ok: true }));
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    await fetch(`http://127.0.0.1:${port}/x`, { headers: { cookie: 'wp_session=secret-cookie-value', authorization: 'Maintenance secret-token-value' } });
    await new Promise((r) => setTimeout(r, 50));
    server.close();
    const log = lines.join('');
    expect(log).toContain('request completed');
    expect(log).not.toMatch(/secret-(cookie|token|session)-value/);
    expect(log).toContain('[redacted]');
  });
});
