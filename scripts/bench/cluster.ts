/**
 * What spreading media over nodes gives and costs, on this machine. Each node is a mediasoup worker of its
 * own (a process, as on its own machine); between nodes the stream crosses a pipe transport pair over UDP,
 * as the platform's nodes do. A real ~1 Mbit/s VP8 stream enters node 1; every other node receives it once
 * through a pipe and fans it out to its own consumers, the consumers spread evenly over the nodes. For 1, 2
 * and 3 nodes: how many consumers are forwarded before the SFUs' own loss exceeds 1 % (or a worker's CPU
 * saturates), and the latency a pipe hop adds: one probe consumer on node 1 (same router as the stream)
 * and one behind the pipe on the last node, measured in the same run, beside the loopback baseline.
 *
 *   npm run bench:cluster [-- --nodes 1,2,3 --max 900 --step 150 --seconds 3]
 */
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import type { Producer } from 'mediasoup/node/lib/Producer.js';
import type { Router } from 'mediasoup/node/lib/Router.js';
import type { Worker } from 'mediasoup/node/lib/Worker.js';
import { routerCodecs } from '../../media/codecs.ts';
import { baseline, captureStream, PAYLOAD_TYPE, percentile, SSRC, startReceiver, startSender, type CapturedPacket } from './rtp-replay.ts';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '1,2,3' }, max: { type: 'string', default: '900' }, step: { type: 'string', default: '150' }, seconds: { type: 'string', default: '3' } },
});
const NODE_COUNTS = values.nodes.split(',').map(Number);
const MAX = Number(values.max);
const STEP = Number(values.step);
const WINDOW_MS = Number(values.seconds) * 1000;
const RECEIVERS = 4;

interface Node {
  worker: Worker;
  router: Router;
  /** The stream on this node: the ingest's producer on node 1, the pipe's copy elsewhere. */
  stream: Producer;
  consumers: Consumer[];
}

/** A consumer on `node` sending to a local UDP port (a receiver thread). */
async function consumeTo(node: Node, port: number): Promise<Consumer> {
  const out = await node.router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await out.connect({ ip: '127.0.0.1', port });
  return out.consume({ producerId: node.stream.id, rtpCapabilities: node.router.rtpCapabilities });
}

/** Pipes the stream from `from` to a new node's router, as the platform's SessionPipes do between nodes. */
async function pipeTo(from: Node, router: Router): Promise<Producer> {
  const out = await from.router.createPipeTransport({ listenIp: { ip: '127.0.0.1' } });
  const into = await router.createPipeTransport({ listenIp: { ip: '127.0.0.1' } });
  await out.connect({ ip: '127.0.0.1', port: into.tuple.localPort });
  await into.connect({ ip: '127.0.0.1', port: out.tuple.localPort });
  const consumer = await out.consume({ producerId: from.stream.id });
  return into.produce({ id: from.stream.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters });
}

async function run(nodeCount: number, packets: CapturedPacket[]) {
  const workers = await Promise.all(Array.from({ length: nodeCount }, (_, i) => mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000 + i * 3000, rtcMaxPort: 42999 + i * 3000 })));
  const first = await workers[0]!.createRouter({ mediaCodecs: routerCodecs });
  const ingest = await first.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const source = await ingest.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: PAYLOAD_TYPE, clockRate: 90000 }], encodings: [{ ssrc: SSRC }] } });
  const nodes: Node[] = [{ worker: workers[0]!, router: first, stream: source, consumers: [] }];
  for (const worker of workers.slice(1)) {
    const router = await worker.createRouter({ mediaCodecs: routerCodecs });
    nodes.push({ worker, router, stream: await pipeTo(nodes[0]!, router), consumers: [] });
  }
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => startReceiver()));
  // Latency probes: one consumer on the stream's own router, one behind the pipe on the last node.
  const [sameRouter, behindPipe] = await Promise.all([startReceiver(), startReceiver()]);
  await consumeTo(nodes[0]!, sameRouter.port);
  await consumeTo(nodes.at(-1)!, behindPipe.port);
  const sender = startSender(ingest.tuple.localPort, packets);
  // The pipe hop's latency with nothing else to forward (a keyframe first, then one window).
  await new Promise((r) => setTimeout(r, 2500));
  await Promise.all([sameRouter, behindPipe].map((r) => r.take()));
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const [idleSame, idlePiped] = await Promise.all([sameRouter.take(), behindPipe.take()]);

  // Packets the SFUs sent against what each node's copy of the stream received, times its consumers.
  const counters = async () =>
    Promise.all(
      nodes.map(async (n) => ({
        sent: (await Promise.all(n.consumers.map((c) => c.getStats()))).reduce((sum, [s]) => sum + (s?.packetCount ?? 0), 0),
        received: (await n.stream.getStats())[0]?.packetCount ?? 0,
        consumers: n.consumers.length,
      })),
    );
  const cpuTimes = async () => Promise.all(workers.map(async (w) => (await w.getResourceUsage()).ru_utime + (await w.getResourceUsage()).ru_stime));

  let consumers = 0;
  let limit = `reached --max ${MAX}`;
  let best = 0;
  while (consumers < MAX) {
    for (const target = consumers + STEP; consumers < target; consumers++) {
      const node = nodes[consumers % nodes.length]!;
      node.consumers.push(await consumeTo(node, receivers[consumers % RECEIVERS]!.port));
    }
    // New consumers start at the next keyframe (every 2 s in this stream).
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all([...receivers, sameRouter, behindPipe].map((r) => r.take()));
    const [before, cpuBefore, at] = [await counters(), await cpuTimes(), Date.now()];
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const [after, cpuAfter] = [await counters(), await cpuTimes()];
    const [same, piped] = await Promise.all([sameRouter.take(), behindPipe.take()]);
    await Promise.all(receivers.map((r) => r.take()));
    const expected = after.reduce((sum, n, i) => sum + (n.received - before[i]!.received) * n.consumers, 0);
    const forwarded = after.reduce((sum, n, i) => sum + n.sent - before[i]!.sent, 0);
    const loss = Math.max(0, 1 - forwarded / Math.max(1, expected));
    const cpu = Math.max(...cpuAfter.map((t, i) => (t - cpuBefore[i]!) / (Date.now() - at)));
    console.log(
      `  ${String(consumers).padStart(5)} consumers  SFU loss ${(loss * 100).toFixed(2).padStart(5)} %  busiest worker CPU ${(cpu * 100).toFixed(0).padStart(3)} %  latency p50 same router ${percentile(same.latencies, 50).toFixed(2)} ms, behind the pipe ${percentile(piped.latencies, 50).toFixed(2)} ms`,
    );
    if (loss > 0.01) {
      limit = `SFU loss above 1 % at ${consumers}`;
      break;
    }
    if (cpu > 0.95) {
      limit = `a worker's CPU saturated at ${consumers}`;
      break;
    }
    best = consumers;
  }
  sender.stop();
  await Promise.all([...receivers, sameRouter, behindPipe].map((r) => r.stop()));
  for (const w of workers) w.close();
  const hop = (p: number) => percentile(idlePiped.latencies, p) - percentile(idleSame.latencies, p);
  console.log(
    `  ${nodeCount} node${nodeCount > 1 ? 's' : ''}: ${best} consumers within 1 % loss; limit: ${limit}` +
      (nodeCount > 1 ? `; a pipe hop adds p50 ${hop(50).toFixed(2)} ms, p95 ${hop(95).toFixed(2)} ms over the same router (no other load)` : ''),
  );
  return { best, limit, idle: { same: idleSame.latencies, piped: idlePiped.latencies } };
}

async function main() {
  const packets = await captureStream(8);
  console.log(`cluster bench: VP8 ~1 Mbit/s into node 1, consumers spread over 1..${Math.max(...NODE_COUNTS)} nodes (a mediasoup worker each), steps of ${STEP}`);
  const direct = await baseline(packets);
  console.log(`baseline (loopback, no SFU): latency p50 ${direct.p50.toFixed(3)} ms, p95 ${direct.p95.toFixed(3)} ms`);
  const results: Array<{ nodes: number } & Awaited<ReturnType<typeof run>>> = [];
  for (const n of NODE_COUNTS) {
    console.log(`${n} node${n > 1 ? 's' : ''}:`);
    results.push({ nodes: n, ...(await run(n, packets)) });
  }
  console.log('');
  const one = results.find((r) => r.nodes === 1)?.best;
  for (const r of results) {
    const ratio = one ? ` (${(r.best / one).toFixed(2)}x one node)` : '';
    console.log(`${r.nodes} node${r.nodes > 1 ? 's' : ''}: ${r.best} consumers within 1 % loss${ratio}; limit: ${r.limit}`);
  }
  const piped = results.find((r) => r.nodes > 1);
  if (piped) {
    const { same, piped: hop } = piped.idle;
    console.log(
      `a pipe hop adds p50 ${(percentile(hop, 50) - percentile(same, 50)).toFixed(2)} ms, p95 ${(percentile(hop, 95) - percentile(same, 95)).toFixed(2)} ms over the same router (${piped.nodes} nodes, no other load; the SFU itself adds p50 ${(percentile(same, 50) - direct.p50).toFixed(2)} ms over loopback)`,
    );
  }
}

await main();
