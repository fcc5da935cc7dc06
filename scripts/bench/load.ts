/**
 * Load test of one platform node as `npm start` runs it (PGlite and its own Redis by default;
 * DATABASE_URL / REDIS_URL if set): N live inspection sessions, each with a site camera streaming
 * H.264 over UDP (plain RTP into mediasoup, recorded in segments), an officer's and an enterprise's
 * socket.io client; the officer sends a command every few seconds, the enterprise acknowledges each as it
 * arrives, both read the timeline over REST. At the end every verdict is recorded and each session must
 * seal and verify.
 *
 * Prints, every sample: the server's CPU (its process and every child: mediasoup workers, ffmpeg,
 * redis-server) and memory; at the end: p50/p95 of REST answers and socket acknowledgements, the
 * command round trip (officer sends → enterprise sees it), commands lost (acknowledged by the server but
 * never seen by the enterprise or missing from the timeline: must be 0), and the sessions held.
 * With --ramp, a session is added every --step seconds until the p95 acknowledgement of the last step
 * passes --max-ack-ms or the node's CPU passes --max-cpu %, and it says how many it held within them.
 *
 *   npm run bench:load [-- --sessions 4 --minutes 2] [-- --ramp --step 20 --max 30]
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import { processTree } from './process-tree.ts';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { connect, type Socket } from 'socket.io-client';
import { freeUdpPortPair } from '../../media/network.ts';
import type { FfmpegProcess } from '../../media/ffmpeg.ts';
import { encodeCameraClip, startCameraSimulator } from '../camera-simulator.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '4' },
    minutes: { type: 'string', default: '2' },
    ramp: { type: 'boolean', default: false },
    step: { type: 'string', default: '20' },
    max: { type: 'string', default: '30' },
    'max-ack-ms': { type: 'string', default: '250' },
    'max-cpu': { type: 'string', default: '85' },
    'command-seconds': { type: 'string', default: '3' },
  },
});
const COMMAND_EVERY_MS = Number(values['command-seconds']) * 1000;
const SAMPLE_MS = 5000;
const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const run = promisify(execFile);
const PASSWORD = 'load-test-password';

// ---- the server under test, as a child process ----
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-load-'));

// The cameras: 20 s of H.264 (640x360, 15 fps, ~800 kbit/s) encoded once, then each camera replays it
// looped in real time without re-encoding, so the load generator costs little of the machine's CPU.
const clip = await encodeCameraClip(path.join(dataDir, 'camera.ts'), { width: 640, height: 360, fps: 15, bitrate: '800k', gopSeconds: 1, seconds: 20, plain: true });
const startCamera = (to: string) => startCameraSimulator({ to, file: clip, copy: true });

const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', CAMERA_OFFLINE_SECONDS: '10' };
const server = spawn(tsx, ['server/main.ts'], { cwd: root, env });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`the platform did not start in 90 s:\n${out}`)), 90_000);
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    const match = /Watchpost is running at (http:\/\/\S+)/.exec(out);
    if (match) {
      clearTimeout(timer);
      resolve(match[1]!);
    }
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.once('exit', (code) => reject(new Error(`the platform exited with ${code}:\n${out}`)));
});
console.log(`platform at ${url} (data ${dataDir}, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`);
// What the platform says (warnings, errors) is kept, bounded, and shown if it stops unasked.
let serverTail = '';
const keepTail = (chunk: Buffer) => {
  serverTail = (serverTail + chunk.toString()).slice(-6000);
};
server.stdout.on('data', keepTail);
server.stderr.on('data', keepTail);
let stoppingServer = false;
server.once('exit', (code, signal) => {
  if (stoppingServer) return;
  console.error(`\nTHE PLATFORM STOPPED (code ${code}, signal ${signal}); its last output:\n${serverTail}`);
  process.exit(1);
});

const simulators: FfmpegProcess[] = [];
const sockets: Socket[] = [];
async function cleanUp() {
  for (const s of sockets) s.close();
  await Promise.allSettled(simulators.map((s) => s.stop(1000)));
  stoppingServer = true;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));

// ---- measurements ----
const restMs: number[] = [];
const ackMs: number[] = [];
const roundTripMs: number[] = [];
const failures = new Map<string, number>();
const fail = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);
const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

class Http {
  cookie = '';
  async request(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
    const started = performance.now();
    const send = () =>
      fetch(`${url}${urlPath}`, {
        method,
        headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A kept-alive connection the server closed as it was reused fails at once: a GET is sent again once
    // (as browsers do), and counted.
    const res = await send().catch((err: Error) => {
      fail(`${method} connection failed: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      if (method !== 'GET') throw err;
      return send();
    });
    const text = await res.text();
    restMs.push(performance.now() - started);
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  async must(method: string, urlPath: string, body?: unknown) {
    const res = await this.request(method, urlPath, body);
    if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  static async as(username: string) {
    const http = new Http();
    await http.must('POST', '/api/auth/login', { username, password: PASSWORD });
    return http;
  }
}

/** CPU (percent of one core, summed) and resident memory of the server and all its descendants. */
const ticksPerSecond = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
/** CPU ticks so far of each process of the tree, and their resident memory summed. */
function treeUsage(rootPid: number): { ticks: Map<number, number>; rssBytes: number; processes: number } {
  const ticks = new Map<number, number>();
  let rssBytes = 0;
  const pids = processTree(rootPid);
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime
      rssBytes += Number(fields[21]) * 4096; // rss pages
    } catch {
      // gone meanwhile
    }
  }
  return { ticks, rssBytes, processes: pids.length };
}
/** CPU (percent of one core) the tree used between two readings; processes that ended in between are not counted. */
function cpuPercentBetween(before: Map<number, number>, after: Map<number, number>, seconds: number): number {
  let used = 0;
  for (const [pid, t] of after) used += t - (before.get(pid) ?? 0);
  return (used / ticksPerSecond / seconds) * 100;
}
/** The whole machine's busy and total CPU ticks (/proc/stat), to show what the load generator takes too. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
let lastMachine = machineTicks();
const samples: Array<{ at: number; sessions: number; cpuPercent: number; machinePercent: number; rssMb: number; processes: number }> = [];
/** Samples from this index on are the steady phase (every session running): memory must level off there. */
let steadyFrom = Number.POSITIVE_INFINITY;
let lastUsage = treeUsage(server.pid!);
let lastSampleAt = performance.now();
const startedAt = performance.now();
let sessionCount = 0;
function sample() {
  const usage = treeUsage(server.pid!);
  const now = performance.now();
  const cpuPercent = cpuPercentBetween(lastUsage.ticks, usage.ticks, (now - lastSampleAt) / 1000);
  lastUsage = usage;
  lastSampleAt = now;
  const machine = machineTicks();
  const machinePercent = Math.round(((machine.busy - lastMachine.busy) / Math.max(1, machine.total - lastMachine.total)) * 100);
  lastMachine = machine;
  const s = {
    at: Math.round((now - startedAt) / 1000),
    sessions: sessionCount,
    cpuPercent: Math.round(cpuPercent),
    machinePercent,
    rssMb: Math.round(usage.rssBytes / 1e6),
    processes: usage.processes,
  };
  samples.push(s);
  console.log(
    `t=${String(s.at).padStart(4)} s  sessions ${String(s.sessions).padStart(3)}  node CPU ${String(s.cpuPercent).padStart(4)} % of a core  machine ${String(machinePercent).padStart(3)} %  memory ${String(s.rssMb).padStart(5)} MB  (${s.processes} processes)  acks p95 ${percentile(ackMs.slice(-200), 95).toFixed(0)} ms`,
  );
}

// ---- the world: one port, one enterprise; per session a site, a camera, an officer, a declaration ----
await run(tsx, ['scripts/admin.ts', 'create-admin', '--username', 'load.admin'], { cwd: root, env: { ...env, WATCHPOST_ADMIN_PASSWORD: PASSWORD } });
const admin = await Http.as('load.admin');
const port = await admin.must('POST', '/api/admin/ports', { code: 'LOAD', name: 'Load test port' });
const enterprise = await admin.must('POST', '/api/admin/enterprises', { name: 'Load Farm', customsCode: 'LOAD000001' });
await admin.must('POST', '/api/admin/users', { username: 'load.enterprise', displayName: 'Load farm', password: PASSWORD, role: 'enterprise_user', enterpriseId: enterprise.id });
const enterpriseHttp = await Http.as('load.enterprise');

interface LiveSession {
  id: string;
  bookingId: string;
  officer: Http;
  officerSocket: Socket;
  enterpriseSocket: Socket;
  sent: Map<number, number>;
  seen: Set<number>;
  timer: NodeJS.Timeout;
}
const live: LiveSession[] = [];

function socketFor(http: Http): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie: http.cookie }, reconnection: false });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}
async function send(socket: Socket, event: string, msg: unknown): Promise<any> {
  const started = performance.now();
  const reply = (await socket.timeout(20_000).emitWithAck(event, msg)) as { ok: boolean; data?: any; error?: { code: string } };
  ackMs.push(performance.now() - started);
  if (!reply.ok) throw new Error(`${event}: ${reply.error?.code}`);
  return reply.data;
}

async function addSession(n: number): Promise<void> {
  const site = await admin.must('POST', '/api/admin/sites', { enterpriseId: enterprise.id, portId: port.id, name: `Pen ${n}`, kind: 'farm' });
  const { rtpPort } = await freeUdpPortPair();
  const source = `udp://127.0.0.1:${rtpPort}`;
  simulators.push(startCamera(source));
  await admin.must('POST', '/api/admin/cameras', { siteId: site.id, name: `Ramp ${n}`, sourceUrl: source });
  await admin.must('POST', '/api/admin/users', { username: `load.officer${n}`, displayName: `Officer ${n}`, password: PASSWORD, role: 'officer', portId: port.id });
  const officer = await Http.as(`load.officer${n}`);
  const number = String(531620260000000000n + BigInt(n));
  const declaration = await admin.must('POST', '/api/declarations', {
    number,
    enterpriseId: enterprise.id,
    portId: port.id,
    siteId: site.id,
    goodsDescription: 'Live pigs',
    declaredQuantity: 40,
    quantityUnit: 'head',
  });
  const slotStart = new Date(Date.now() + 5 * 60_000);
  const booking = await enterpriseHttp.must('POST', '/api/bookings', {
    declarationId: declaration.id,
    type: 'routine_supervision',
    slotStart: slotStart.toISOString(),
    slotEnd: new Date(slotStart.getTime() + 3_600_000).toISOString(),
  });
  await officer.must('POST', `/api/bookings/${booking.id}/confirm`);
  const { sessionId } = await officer.must('POST', `/api/bookings/${booking.id}/start`);
  const officerSocket = await socketFor(officer);
  const enterpriseSocket = await socketFor(enterpriseHttp);
  await send(officerSocket, 'session:join', { sessionId });
  await send(enterpriseSocket, 'session:join', { sessionId });
  const sent = new Map<number, number>();
  const seen = new Set<number>();
  // The enterprise acknowledges each command as it arrives, as the phone page does.
  enterpriseSocket.on('session:timeline', (event: { id: number; kind: string; sessionId: string }) => {
    if (event.kind !== 'command' || event.sessionId !== sessionId || seen.has(event.id)) return;
    seen.add(event.id);
    const sentAt = sent.get(event.id);
    if (sentAt !== undefined) roundTripMs.push(performance.now() - sentAt);
    send(enterpriseSocket, 'session:acknowledge', { sessionId, commandId: event.id }).catch(() => fail('acknowledge'));
  });
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    const sentAt = performance.now();
    send(officerSocket, 'session:command', { sessionId, preset: 'open_carton', params: { n: tick } })
      .then((event: { id: number }) => sent.set(event.id, sentAt))
      .catch(() => fail('command'));
    if (tick % 2 === 0) officer.request('GET', `/api/sessions/${sessionId}/timeline`).then((r) => r.status !== 200 && fail('timeline'));
  }, COMMAND_EVERY_MS);
  live.push({ id: sessionId, bookingId: booking.id, officer, officerSocket, enterpriseSocket, sent, seen, timer });
  sessionCount = live.length;
}

const sampler = setInterval(sample, SAMPLE_MS);
let held = 0;
try {
  if (values.ramp) {
    const stepMs = Number(values.step) * 1000;
    for (let n = 1; n <= Number(values.max); n++) {
      await addSession(n);
      const ackBefore = ackMs.length;
      const usageBefore = treeUsage(server.pid!);
      const stepStart = performance.now();
      await new Promise((r) => setTimeout(r, stepMs));
      const cpu = cpuPercentBetween(usageBefore.ticks, treeUsage(server.pid!).ticks, (performance.now() - stepStart) / 1000);
      const p95 = percentile(ackMs.slice(ackBefore), 95);
      const cpuOfNode = cpu / os.cpus().length;
      console.log(`  step: ${n} sessions, ack p95 ${p95.toFixed(0)} ms, node CPU ${cpuOfNode.toFixed(0)} % of ${os.cpus().length} cores`);
      if (p95 > Number(values['max-ack-ms']) || cpuOfNode > Number(values['max-cpu'])) break;
      held = n;
    }
  } else {
    for (let n = 1; n <= Number(values.sessions); n++) await addSession(n);
    held = live.length;
    steadyFrom = samples.length;
    await new Promise((r) => setTimeout(r, Number(values.minutes) * 60_000));
  }
  for (const s of live) clearInterval(s.timer);
  const steady = samples.slice(Math.min(steadyFrom, samples.length));
  await new Promise((r) => setTimeout(r, 3000)); // the last commands arrive

  // Lost commands: acknowledged by the server, but not seen by the enterprise or not on the timeline.
  let sentTotal = 0;
  let lost = 0;
  for (const s of live) {
    const timeline = (await s.officer.must('GET', `/api/sessions/${s.id}/timeline`)) as Array<{ id: number; kind: string }>;
    const onTimeline = new Set(timeline.filter((e) => e.kind === 'command').map((e) => e.id));
    for (const id of s.sent.keys()) {
      sentTotal += 1;
      if (!s.seen.has(id) || !onTimeline.has(id)) lost += 1;
    }
  }
  // Every session ends with a verdict and must seal and verify with its recordings.
  const verdictStart = performance.now();
  for (const s of live) await s.officer.must('POST', `/api/sessions/${s.id}/verdict`, { outcome: 'pass' });
  let sealed = 0;
  const deadline = Date.now() + 180_000;
  const pending = new Set(live);
  while (pending.size > 0 && Date.now() < deadline) {
    for (const s of [...pending]) {
      const report = await s.officer.request('GET', `/api/sessions/${s.id}/verify`);
      if (report.body?.ok) {
        sealed += 1;
        pending.delete(s);
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 2000));
  }
  const sealSeconds = (performance.now() - verdictStart) / 1000;

  // Over the steady phase (fixed mode): the second half must not go above the first half's peak by >10 %.
  const memory = steady.map((s) => s.rssMb);
  const half = Math.floor(memory.length / 2);
  const firstHalfMax = Math.max(...memory.slice(0, half));
  const secondHalfMax = Math.max(...memory.slice(half));
  const during = steady.length > 0 ? steady : samples;
  console.log('');
  console.log(`sessions held:        ${held}${values.ramp ? ` (within ack p95 ${values['max-ack-ms']} ms and node CPU ${values['max-cpu']} %)` : ''}`);
  console.log(`REST answers:         ${restMs.length}, p50 ${percentile(restMs, 50).toFixed(0)} ms, p95 ${percentile(restMs, 95).toFixed(0)} ms`);
  console.log(`socket acks:          ${ackMs.length}, p50 ${percentile(ackMs, 50).toFixed(0)} ms, p95 ${percentile(ackMs, 95).toFixed(0)} ms`);
  console.log(`command round trip:   p50 ${percentile(roundTripMs, 50).toFixed(0)} ms, p95 ${percentile(roundTripMs, 95).toFixed(0)} ms (officer sends -> enterprise sees it)`);
  console.log(`commands:             ${sentTotal} acknowledged by the server, ${lost} lost`);
  console.log(`failed requests:      ${failures.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(failures))}`);
  if (memory.length >= 4) {
    console.log(
      `memory:               max ${firstHalfMax} MB in the first half of the steady phase, ${secondHalfMax} MB in the second (${secondHalfMax <= firstHalfMax * 1.1 ? 'levels off' : 'still growing'}; RSS summed over the node's processes)`,
    );
  } else {
    console.log(`memory:               max ${Math.max(...samples.map((s) => s.rssMb))} MB (ramp: no steady phase to compare)`);
  }
  const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(0);
  console.log(
    `CPU:                  node mean ${mean(during.map((s) => s.cpuPercent))} % of one core (server, mediasoup workers, ffmpeg, redis); machine ${mean(during.map((s) => s.machinePercent))} % of ${os.cpus().length} cores (the load generator included)`,
  );
  console.log(`sealed and verified:  ${sealed} of ${live.length} sessions, ${sealSeconds.toFixed(0)} s after the verdicts`);
  if (lost > 0 || sealed < live.length) process.exitCode = 1;
} catch (err) {
  console.error(`the load test failed: ${(err as Error).message}\nthe platform's last output:\n${serverTail}`);
  process.exitCode = 1;
} finally {
  clearInterval(sampler);
  for (const s of live) clearInterval(s.timer);
  await cleanUp();
}
