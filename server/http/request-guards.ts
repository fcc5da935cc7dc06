/**
 * What every request passes before a route sees it: security headers on every answer, and a cross-site
 * request forgery check on everything that changes state (REST and the socket.io handshake). Browsers
 * name the page that sent a request in `Origin` (and `Sec-Fetch-Site`); a request from another site is
 * refused unless its origin is configured. Tools without a browser (curl, the CLI) send neither and pass:
 * they hold the cookie themselves, so nobody can forge their requests.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

/** Whether a request comes from the platform's own pages, a configured origin, or no browser at all. */
export function isSameSiteRequest(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    if (allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
  if (origin === 'null') return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseCrossSiteWrites(allowedOrigins: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || isSameSiteRequest(req, allowedOrigins)) return next();
    next(new AppError('cross_site_request', 'Requests that change something must come from the Watchpost pages themselves'));
  };
}

/**
 * Headers that keep pages from being framed, sniffed or leaking addresses. The content security policy
 * allows what the web app uses: its own scripts and styles (inline style attributes from React), images,
 * video and blob: URLs of its own, and socket.io over the same origin.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(self), microphone=(self), geolocation=()');
    if (options.https) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

/** Text with a NUL character cannot be stored (PostgreSQL refuses it): refused as the client's mistake. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Buffer.isBuffer(value)) return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
}
