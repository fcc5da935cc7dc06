import { z } from 'zod';
import type { Api } from './api.ts';
import { okResponse } from './common.schemas.ts';
import type { AuthService } from '../services/auth.service.ts';
import { roles } from '../db/schema.ts';

export const SESSION_COOKIE = 'wp_session';

const principalResponse = z
  .object({
    userId: z.uuid(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    locale: z.string(),
    enterpriseIds: z.array(z.uuid()),
    portId: z.uuid().nullable(),
  })
  .meta({ id: 'Principal' });

export function authRoutes(api: Api, auth: AuthService, cookie: { secure: boolean }) {
  api.route(
    {
      method: 'post',
      path: '/auth/login',
      summary: 'Log in with a username and password; sets the httpOnly session cookie',
      tag: 'auth',
      access: 'public',
      body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
      response: principalResponse,
    },
    async ({ body, req, res }) => {
      const { token, expiresAt, principal } = await auth.login(body.username, body.password, req.ip ?? 'unknown');
      res.cookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: cookie.secure,
        expires: expiresAt,
        path: '/',
      });
      return principal;
    },
  );

  api.route({ method: 'post', path: '/auth/logout', summary: 'End this login', tag: 'auth', access: 'public', response: okResponse }, async ({ req, res }) => {
    const token = readSessionCookie(req.headers.cookie);
    if (token) await auth.logout(token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true as const };
  });

  api.route(
    {
      method: 'post',
      path: '/auth/password',
      summary: "Change one's own password (the current one is asked again); other logins end",
      tag: 'auth',
      access: 'any',
      body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) }),
      response: okResponse,
    },
    async ({ principal, body, req }) => {
      await auth.changePassword(principal, readSessionCookie(req.headers.cookie) ?? '', body.currentPassword, body.newPassword);
      return { ok: true as const };
    },
  );

  api.route({ method: 'get', path: '/auth/me', summary: 'Who is logged in', tag: 'auth', access: 'any', response: principalResponse }, async ({ principal }) => principal);
}

export function readSessionCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
