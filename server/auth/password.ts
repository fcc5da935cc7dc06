/**
 * Password hashing with scrypt (memory-hard, in Node's crypto; no native addon to build).
 * Stored as `scrypt$N$r$p$salt$hash` (base64) so the cost can be raised later without breaking old hashes.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../errors.ts';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

// N=2^15, r=8: 32 MiB and ~50-100 ms per hash on this machine's cores.
const DEFAULT_COST = { N: 1 << 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

export const MIN_PASSWORD_LENGTH = 10;

/** Refuses a password too short to choose (when an account is created or a password changed). */
export function requireLongEnough(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('bad_request', `A password needs at least ${MIN_PASSWORD_LENGTH} characters`, { reason: 'password_too_short', params: { min: MIN_PASSWORD_LENGTH } });
  }
}

function maxmem(N: number, r: number) {
  return 128 * N * r * 2;
}

export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: maxmem(cost.N, cost.r) });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: maxmem(N, r) });
  return crypto.timingSafeEqual(key, expected);
}

/** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return decoyHash;
}
