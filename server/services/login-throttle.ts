/**
 * Login throttling that parallel requests cannot race and a stranger cannot turn against an account:
 * - an account from one client address: 5 attempts per 15 minutes (what a user mistyping needs);
 * - one client address over all accounts: 30 per 15 minutes (password spraying);
 * - an account from every address: 100 per 15 minutes (a distributed guess), not applied to addresses
 *   the account logged in from in the last 30 days, so a botnet cannot lock its owner out.
 * Each attempt raises its counters atomically (one upsert) before the password is checked; a success
 * clears its own account-and-address counter and takes itself off the wider ones. Unknown usernames are
 * counted exactly like real ones, so being throttled says nothing about whether a name exists.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { loginThrottles } from '../db/schema.ts';

const WINDOW_MS = 15 * 60_000;
const TRUSTED_MS = 30 * 86_400_000;
export const LOGIN_LIMITS = { accountFromAddress: 5, address: 30, account: 100 } as const;

const keys = (username: string, address: string) => {
  const name = username.toLowerCase();
  return {
    pair: `pair:${name}|${address}`,
    address: `address:${address}`,
    account: `account:${name}`,
    trusted: `trusted:${name}|${address}`,
  };
};

export class LoginThrottle {
  constructor(private readonly db: Db) {}

  /** Counts one attempt; returns when the caller may try again, or null when this attempt may go on. */
  async admit(username: string, address: string, now: Date): Promise<Date | null> {
    const k = keys(username, address);
    const [pair, byAddress, trusted] = await Promise.all([this.count(k.pair, now), this.count(k.address, now), this.isTrusted(k.trusted, now)]);
    const byAccount = trusted ? null : await this.count(k.account, now);
    const over = [
      pair.attempts > LOGIN_LIMITS.accountFromAddress ? pair : null,
      byAddress.attempts > LOGIN_LIMITS.address ? byAddress : null,
      byAccount && byAccount.attempts > LOGIN_LIMITS.account ? byAccount : null,
    ].filter((c) => c !== null);
    if (over.length === 0) return null;
    return new Date(Math.max(...over.map((c) => c.windowStartedAt.getTime() + WINDOW_MS)));
  }

  /** A successful login: its own account-and-address counter starts again, and the address is remembered. */
  async succeeded(username: string, address: string, now: Date): Promise<void> {
    const k = keys(username, address);
    await this.db.delete(loginThrottles).where(eq(loginThrottles.key, k.pair));
    // The wider counters count failures: this attempt was not one.
    await this.db
      .update(loginThrottles)
      .set({ attempts: sql`greatest(${loginThrottles.attempts} - 1, 0)` })
      .where(inArray(loginThrottles.key, [k.address, k.account]));
    const expiresAt = new Date(now.getTime() + TRUSTED_MS);
    await this.db.insert(loginThrottles).values({ key: k.trusted, attempts: 0, windowStartedAt: now, expiresAt }).onConflictDoUpdate({ target: loginThrottles.key, set: { expiresAt } });
    // Old rows go now and then, bounded by the rows that exist.
    await this.db.delete(loginThrottles).where(lt(loginThrottles.expiresAt, now));
  }

  private async count(key: string, now: Date): Promise<{ attempts: number; windowStartedAt: Date }> {
    const expired = sql`${loginThrottles.windowStartedAt} <= ${new Date(now.getTime() - WINDOW_MS)}`;
    const [row] = await this.db
      .insert(loginThrottles)
      .values({ key, attempts: 1, windowStartedAt: now, expiresAt: new Date(now.getTime() + WINDOW_MS) })
      .onConflictDoUpdate({
        target: loginThrottles.key,
        set: {
          attempts: sql`case when ${expired} then 1 else ${loginThrottles.attempts} + 1 end`,
          windowStartedAt: sql`case when ${expired} then excluded.window_started_at else ${loginThrottles.windowStartedAt} end`,
          expiresAt: sql`case when ${expired} then excluded.expires_at else ${loginThrottles.expiresAt} end`,
        },
      })
      .returning({ attempts: loginThrottles.attempts, windowStartedAt: loginThrottles.windowStartedAt });
    return row!;
  }

  private async isTrusted(key: string, now: Date): Promise<boolean> {
    const [row] = await this.db
      .select({ key: loginThrottles.key })
      .from(loginThrottles)
      .where(and(eq(loginThrottles.key, key), sql`${loginThrottles.expiresAt} > ${now}`));
    return Boolean(row);
  }
}
