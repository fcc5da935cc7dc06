/**
 * The platform as `npm start` runs it (the embedded database and its own Redis, whatever this shell has
 * configured), with one port, one farm, an administrator and an officer whose socket hears the farm's
 * vision results: what the camera benchmarks start from.
 */
import { io, type Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config.ts';
import { startPlatform } from '../../server/platform.ts';

const PASSWORD = 'bench-password-1';

export async function startBenchFarm(dataDir: string) {
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  const platform = await startPlatform(loadConfig({ ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' }));
  const { services } = platform;
  const port = await services.admin.createPort(null, { code: 'BENCH', name: 'Bench port' });
  const enterprise = await services.admin.createEnterprise(null, { name: 'Bench farms', customsCode: '4400000000', riskClass: 'B' });
  const admin = await services.admin.createUser(null, { username: 'benchadmin', displayName: 'Bench admin', password: PASSWORD, role: 'admin' });
  await services.admin.createUser(null, { username: 'benchofficer', displayName: 'Bench officer', password: PASSWORD, role: 'officer', portId: port.id });
  const adminP = (await services.auth.login(admin.username, PASSWORD)).principal;
  const site = await services.admin.createSite(adminP, { enterpriseId: enterprise.id, portId: port.id, name: 'Bench farm', kind: 'farm' });
  // The officer's socket: every vision result of the port's farms arrives here.
  const login = await fetch(`${platform.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'benchofficer', password: PASSWORD }),
  });
  const officer: Socket = io(platform.url, { extraHeaders: { cookie: login.headers.get('set-cookie')!.split(';')[0]! }, transports: ['websocket'] });
  return { platform, services, adminP, site, officer };
}
