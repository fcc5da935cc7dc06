import type { RtpCodecCapability } from 'mediasoup/node/lib/RtpParameters.js';

/** What every session router speaks: Opus for voice, VP8 from browsers, H.264 from cameras (copied). */
export const routerCodecs: RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '4d0032', 'level-asymmetry-allowed': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '640032', 'level-asymmetry-allowed': 1 },
  },
];

/** H.264 profiles a camera stream can be copied in (ffprobe's name → profile-level-id); others are transcoded. */
export const copyableH264Profiles: Record<string, string> = {
  'Constrained Baseline': '42e01f',
  Main: '4d0032',
  High: '640032',
};

export const INGEST_PAYLOAD = { vp8: 101, h264: 102 } as const;
