/** Password login, session tokens and turning a token back into a Principal. */
import crypto from 'node:crypto';
import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { authSessions, users } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { decoyPasswordHash, hashPassword, requireLongEnough, verifyPassword } from '../auth/password.ts';
import { activeDelegations, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { DomainEvents } from './domain-events.ts';

export interface AuthServiceDeps {
  db: Db;
  sessionTtlMs: number;
  events: DomainEvents;
  clock?: () => Date;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
/** What identifies a login without its token: the only form in which tokens are stored. */
export const loginTokenHash = sha256;

export class AuthService {
  private readonly clock: () => Date;
  private readonly throttle: LoginThrottle;
  constructor(private readonly deps: AuthServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.throttle = new LoginThrottle(deps.db);
  }

  /**
   * Returns a new session token (to put in an httpOnly cookie) and who logged in. `address`: the client's
   * IP address, for throttling (see LoginThrottle).
   */
  async login(username: string, password: string, address = 'local'): Promise<{ token: string; expiresAt: Date; principal: Principal }> {
    const { db } = this.deps;
    const now = this.clock();
    const retryAt = await this.throttle.admit(username, address, now);
    if (retryAt) {
      // As slow as a password check, so the answer's timing tells nothing either.
      await verifyPassword(password, await decoyPasswordHash());
      throw new AppError('account_locked', `Too many failed logins; try again after ${retryAt.toISOString()}`, {
        reason: 'account_locked_until',
        params: { retryAt: retryAt.toISOString() },
        details: { retryAt: retryAt.toISOString() },
      });
    }
    const [user] = await db
      .select()
      .from(users)
      .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
    if (!user || !user.active) {
      await verifyPassword(password, await decoyPasswordHash());
      throw new AppError('invalid_credentials', 'Wrong username or password');
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      await appendAudit(db, { actorId: user.id, action: 'auth.login_failed', entityType: 'user', entityId: user.id, details: { address } }, now);
      throw new AppError('invalid_credentials', 'Wrong username or password');
    }
    await this.throttle.succeeded(username, address, now);
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.deps.sessionTtlMs);
    await db.transaction(async (tx) => {
      await tx.insert(authSessions).values({ tokenHash: sha256(token), userId: user.id, expiresAt });
      // Expired logins of this user are of no use to anyone.
      await tx.delete(authSessions).where(and(eq(authSessions.userId, user.id), lt(authSessions.expiresAt, now)));
      await appendAudit(tx, { actorId: user.id, action: 'auth.login', entityType: 'user', entityId: user.id }, now);
    });
    const principal = await this.principalFor(user, now);
    return { token, expiresAt, principal };
  }

  /** The user changes their own password (knowing the current one); their other logins end, this one stays. */
  async changePassword(p: Principal, currentToken: string, current: string, next: string): Promise<void> {
    const { db } = this.deps;
    requireLongEnough(next);
    if (next === current) throw new AppError('bad_request', 'The new password must differ from the current one', { reason: 'password_unchanged' });
    const [user] = await db.select().from(users).where(eq(users.id, p.userId));
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      throw new AppError('bad_request', 'The current password is wrong', { reason: 'current_password_wrong' });
    }
    const passwordHash = await hashPassword(next);
    const now = this.clock();
    const ended = await db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash }).where(eq(users.id, p.userId));
      const removed = await tx
        .delete(authSessions)
        .where(and(eq(authSessions.userId, p.userId), ne(authSessions.tokenHash, sha256(currentToken))))
        .returning({ tokenHash: authSessions.tokenHash });
      await appendAudit(tx, { actorId: p.userId, action: 'user.password_change', entityType: 'user', entityId: p.userId, details: { loginsEnded: removed.length } }, now);
      return removed;
    });
    for (const { tokenHash } of ended) this.deps.events.emit('auth.revoked', { userId: p.userId, tokenHash });
  }

  async logout(token: string): Promise<void> {
    const { db } = this.deps;
    const ended = await db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(authSessions)
        .where(eq(authSessions.tokenHash, sha256(token)))
        .returning({ userId: authSessions.userId });
      if (removed) {
        await appendAudit(tx, { actorId: removed.userId, action: 'auth.logout', entityType: 'user', entityId: removed.userId }, this.clock());
      }
      return removed;
    });
    if (ended) this.deps.events.emit('auth.revoked', { userId: ended.userId, tokenHash: sha256(token) });
  }

  /** The principal behind a session token, or null when the token is unknown, expired or the user disabled. */
  async authenticate(token: string): Promise<Principal | null> {
    const { db, sessionTtlMs } = this.deps;
    const now = this.clock();
    const [row] = await db
      .select({ user: users, expiresAt: authSessions.expiresAt })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .where(and(eq(authSessions.tokenHash, sha256(token)), gt(authSessions.expiresAt, now)));
    if (!row || !row.user.active) return null;
    // Sliding expiry, written at most about once a minute per login.
    const renewed = new Date(now.getTime() + sessionTtlMs);
    if (renewed.getTime() - row.expiresAt.getTime() > 60_000) {
      await db
        .update(authSessions)
        .set({ expiresAt: renewed })
        .where(eq(authSessions.tokenHash, sha256(token)));
    }
    return this.principalFor(row.user, now);
  }

  private async principalFor(user: typeof users.$inferSelect, now: Date): Promise<Principal> {
    let enterpriseIds: string[] = [];
    if (user.role === 'enterprise_user' && user.enterpriseId) enterpriseIds = [user.enterpriseId];
    if (user.role === 'broker') enterpriseIds = await activeDelegations(this.deps.db, user.id, now);
    return {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      locale: user.locale,
      enterpriseIds,
      portId: user.portId,
    };
  }
}
