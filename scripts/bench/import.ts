/**
 * `npm run bench:import [-- ROWS]`: an ERP file of vehicle entries (100 000 lines by default, three farms, the
 * last year) imported into the platform as `npm start` runs it (embedded database, its own Redis). Prints the
 * lines per second and the peak memory over the start, against reading the same file alone (the baseline,
 * measured in the same run), then imports it again (every line unchanged).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { startPlatform } from '../../server/platform.ts';
import { addDays, localDay } from '../../server/contracts/local-time.ts';
import { readTable } from '../../server/forms/table-reader.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const FARMS = 3;
const DAYS = 360;
const PASSWORD = 'bench-password-1';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bench-import-'));
const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
const platform = await startPlatform(loadConfig({ ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' }));
const { services } = platform;
try {
  const port = await services.admin.createPort(null, { code: 'BENCH', name: 'Bench port' });
  const enterprise = await services.admin.createEnterprise(null, { name: 'Bench farms', customsCode: '4400000001', riskClass: 'B' });
  const admin = await services.admin.createUser(null, { username: 'benchadmin', displayName: 'Bench admin', password: PASSWORD, role: 'admin' });
  await services.admin.createUser(null, { username: 'benchfarm', displayName: 'Bench farm', password: PASSWORD, role: 'enterprise_user', enterpriseId: enterprise.id });
  const adminP = (await services.auth.login(admin.username, PASSWORD)).principal;
  const farms: Array<{ id: string; name: string }> = [];
  for (let i = 1; i <= FARMS; i++) farms.push(await services.admin.createSite(adminP, { enterpriseId: enterprise.id, portId: port.id, name: `Farm ${i}`, kind: 'farm' }));
  const farmer = (await services.auth.login('benchfarm', PASSWORD)).principal;

  // The file: one line a vehicle, by farm and day, as an ERP exports the year.
  const file = path.join(dataDir, 'vehicles.csv');
  const out = fs.createWriteStream(file);
  out.write('日期,农场,车牌号,用途,司机,进场时间,离场时间,已消毒\n');
  const today = localDay(new Date(), 'Asia/Shanghai');
  const perDay = Math.ceil(ROWS / FARMS / DAYS);
  let written = 0;
  for (let d = DAYS; d >= 1 && written < ROWS; d--) {
    const day = addDays(today, -d);
    for (const farm of farms) {
      for (let i = 0; i < perDay && written < ROWS; i++, written++) {
        const minute = 360 + i * 6;
        const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        if (!out.write(`${day},${farm.name},粤B${String(10000 + i).slice(-5)},${['feed', 'animals', 'disposal', 'other'][i % 4]},Driver ${i},${hhmm(minute)},${hhmm(minute + 5)},是\n`)) {
          await new Promise<void>((r) => out.once('drain', () => r()));
        }
      }
    }
  }
  await new Promise<void>((r) => out.end(r));
  const megabytes = fs.statSync(file).size / 1024 / 1024;
  console.log(`file: ${written} lines, ${megabytes.toFixed(1)} MB, ${FARMS} farms, ${DAYS} days, ${perDay} vehicles a farm a day`);

  /** Peak resident memory over `run`, sampled every 50 ms, above what it was before. */
  async function measure<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number; heapMb: number }> {
    const before = process.memoryUsage();
    let peak = before.rss;
    let heap = before.heapUsed;
    const timer = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.rss);
      heap = Math.max(heap, now.heapUsed);
    }, 50);
    const started = performance.now();
    const result = await run();
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds, peakMb: (peak - before.rss) / 1024 / 1024, heapMb: (heap - before.heapUsed) / 1024 / 1024 };
  }

  const parse = await measure(async () => {
    let n = 0;
    for await (const _ of readTable(file, 'csv')) n++;
    return n;
  });
  console.log(`baseline (reading the file only): ${Math.round(parse.result / parse.seconds)} lines/s, +${parse.peakMb.toFixed(0)} MB`);

  const copy = () => {
    const upload = path.join(dataDir, `upload-${Date.now()}.csv`);
    fs.copyFileSync(file, upload);
    return upload;
  };
  for (const pass of ['first import', 'the same file again'] as const) {
    const run = await measure(() => services.formImports.start(farmer, { siteId: farms[0]!.id, formKey: 'vehicle_entry', dryRun: false, file: copy(), fileName: 'vehicles.csv' }, true));
    const r = run.result;
    const rate = r.lines / run.seconds;
    console.log(
      `${pass}: ${r.status}, ${r.lines} lines: ${r.imported} imported, ${r.unchanged} unchanged, ${r.refused} refused in ${run.seconds.toFixed(1)} s = ${Math.round(rate)} lines/s ` +
        `(${(rate / (parse.result / parse.seconds)).toFixed(3)} of the baseline), peak memory +${run.peakMb.toFixed(0)} MB resident (the embedded database's included), +${run.heapMb.toFixed(0)} MB JavaScript heap (file ${megabytes.toFixed(1)} MB)`,
    );
    if (r.status !== 'done') process.exitCode = 1;
  }
} finally {
  await platform.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
