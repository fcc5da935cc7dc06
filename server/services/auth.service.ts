/** Password login, session tokens and turning a token back into a Principal. */
import crypto from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { authSessions, users } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { decoyPasswordHash, verifyPassword } from '../auth/password.ts';
import { activeDelegations, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';

const MAX_FAILED_LOGINS = 5;
const LOCK_MINUTES = 5;

export interface AuthServiceDeps {
  db: Db;
  sessionTtlMs: number;
  clock?: () => Date;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export class AuthService {
  private readonly clock: () => Date;
  constructor(private readonly deps: AuthServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Returns a new session token (to put in an httpOnly cookie) and who logged in. */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: Date; principal: Principal }> {
    const { db } = this.deps;
    const now = this.clock();
    const [user] = await db.select().from(users).where(eq(sql`lower(${users.username})`, username.toLowerCase()));
    if (!user || !user.active) {
      await verifyPassword(password, await decoyPasswordHash());
      throw new AppError('invalid_credentials', 'Wrong username or password');
    }
    if (user.lockedUntil && user.lockedUntil > now) {
      throw new AppError('account_locked', `Too many failed logins; try again after ${user.lockedUntil.toISOString()}`);
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      const failed = user.failedLogins + 1;
      const lock = failed >= MAX_FAILED_LOGINS;
      await db.transaction(async (tx) => {
        await tx
          .update(users)
          .set({
            failedLogins: lock ? 0 : failed,
            lockedUntil: lock ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : user.lockedUntil,
          })
          .where(eq(users.id, user.id));
        await appendAudit(tx, {
          actorId: user.id,
          action: lock ? 'auth.locked' : 'auth.login_failed',
          entityType: 'user',
          entityId: user.id,
          details: { failedLogins: failed },
        }, now);
      });
      throw new AppError('invalid_credentials', 'Wrong username or password');
    }
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.deps.sessionTtlMs);
    await db.transaction(async (tx) => {
      await tx.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, user.id));
      await tx.insert(authSessions).values({ tokenHash: sha256(token), userId: user.id, expiresAt });
      // Expired logins of this user are of no use to anyone.
      await tx.delete(authSessions).where(and(eq(authSessions.userId, user.id), lt(authSessions.expiresAt, now)));
      await appendAudit(tx, { actorId: user.id, action: 'auth.login', entityType: 'user', entityId: user.id }, now);
    });
    const principal = await this.principalFor(user, now);
    return { token, expiresAt, principal };
  }

  async logout(token: string): Promise<void> {
    const { db } = this.deps;
    await db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(authSessions)
        .where(eq(authSessions.tokenHash, sha256(token)))
        .returning({ userId: authSessions.userId });
      if (removed) {
        await appendAudit(tx, { actorId: removed.userId, action: 'auth.logout', entityType: 'user', entityId: removed.userId }, this.clock());
      }
    });
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
      await db.update(authSessions).set({ expiresAt: renewed }).where(eq(authSessions.tokenHash, sha256(token)));
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
