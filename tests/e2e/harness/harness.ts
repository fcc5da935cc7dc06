/**
 * A bare page for end-to-end tests of the media path (the real pages come with the web app): it logs
 * in, joins the session given in the URL and plays its role. State is exposed on window.wp for the test.
 *   ?user=NAME&password=P&session=ID
 */
import { InspectionClient, SignallingError, type ProducerInfo, type TimelineEvent } from '../../../web/src/media/inspection-client.ts';

interface HarnessState {
  status: string;
  role?: string;
  error?: { code: string; message: string };
  commands: TimelineEvent[];
  acknowledgements: TimelineEvent[];
  client?: InspectionClient;
  framesDecoded: () => Promise<number>;
  audioPacketsReceived: () => Promise<number>;
  sendCommand: (preset: string, params?: Record<string, string | number>) => Promise<TimelineEvent>;
  acknowledgeLatest: () => Promise<TimelineEvent>;
  snapshot: () => Promise<TimelineEvent>;
}

const state: HarnessState = {
  status: 'starting',
  commands: [],
  acknowledgements: [],
  framesDecoded: async () => 0,
  audioPacketsReceived: async () => 0,
  sendCommand: () => Promise.reject(new Error('not joined')),
  acknowledgeLatest: () => Promise.reject(new Error('not joined')),
  snapshot: () => Promise.reject(new Error('not joined')),
};
(window as unknown as { wp: HarnessState }).wp = state;

const params = new URLSearchParams(location.search);
const show = (text: string) => {
  state.status = text;
  document.getElementById('status')!.textContent = text;
};

async function main() {
  const login = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: params.get('user'), password: params.get('password') }),
  });
  if (!login.ok) throw new SignallingError('login_failed', `login answered ${login.status}`);
  const client = new InspectionClient(params.get('session')!);
  state.client = client;
  const joined = await client.join();
  state.role = joined.role;
  client.socket.on('session:timeline', (event: TimelineEvent) => {
    if (event.kind === 'command') {
      state.commands.push(event);
      document.getElementById('command')!.textContent = String(event.payload.text);
    }
    if (event.kind === 'acknowledgement') state.acknowledgements.push(event);
  });

  const inbound = async (kind: 'audio' | 'video', field: 'framesDecoded' | 'packetsReceived') => {
    let total = 0;
    for (const { consumer } of client.consumers.values()) {
      if (consumer.kind !== kind) continue;
      (await consumer.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && typeof s[field] === 'number') total += s[field];
      });
    }
    return total;
  };
  state.framesDecoded = () => inbound('video', 'framesDecoded');
  state.audioPacketsReceived = () => inbound('audio', 'packetsReceived');

  if (joined.role === 'enterprise') {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
    (document.getElementById('preview') as HTMLVideoElement).srcObject = media;
    await client.publish(media.getTracks());
    state.acknowledgeLatest = () => client.acknowledge(state.commands.at(-1)!.id);
    // The officer talks back: play every other participant's voice.
    const listen = async (info: ProducerInfo) => {
      if (info.kind !== 'audio' || !info.source.startsWith('peer:') || client.producers.has(info.producerId)) return;
      const consumer = await client.subscribe(info);
      const audio = new Audio();
      audio.srcObject = new MediaStream([consumer.track]);
      await audio.play().catch(() => {});
    };
    client.socket.on('media:newProducer', (info: ProducerInfo) => void listen(info));
    for (const info of joined.producers) await listen(info);
    show('publishing');
    return;
  }

  const video = document.getElementById('remote') as HTMLVideoElement;
  const consume = async (info: ProducerInfo) => {
    if (!info.source.startsWith('peer:') || client.producers.has(info.producerId)) return;
    const consumer = await client.subscribe(info);
    if (consumer.kind === 'video') {
      video.srcObject = new MediaStream([consumer.track]);
      await video.play().catch(() => {});
    }
  };
  client.socket.on('media:newProducer', (info: ProducerInfo) => void consume(info));
  for (const info of joined.producers) await consume(info);
  if (joined.role === 'officer') {
    // The officer's microphone, so the enterprise hears instructions.
    const voice = await navigator.mediaDevices.getUserMedia({ audio: true });
    await client.publish(voice.getAudioTracks());
  }
  state.sendCommand = (preset, p) => client.sendCommand(preset, p);
  state.snapshot = () => {
    const video = [...client.consumers.values()].find((c) => c.consumer.kind === 'video');
    if (!video) throw new Error('no video to snapshot');
    return client.snapshot(video.info.producerId);
  };
  show('watching');
}

main().catch((err: unknown) => {
  state.error = err instanceof SignallingError ? { code: err.code, message: err.message } : { code: 'error', message: String(err) };
  show(`error: ${state.error.code}`);
});
