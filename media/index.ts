/** The media plane: what the server may use. */
export { MediaWorkerPool, type WorkerPoolOptions } from './worker-pool.ts';
export { Room, type ProducerInfo } from './room.ts';
export { Peer, MediaError, type PeerRole, type MediaErrorCode } from './peer.ts';
export { Recorder, salvageSegmentFile, segmentFileName, unannouncedSegments, type RecordedSegment } from './recorder.ts';
export { FrameTap, type Frame, type FrameTapOptions } from './frame-tap.ts';
export { CameraIngest, isPushedSource, type CameraSource } from './camera-ingest.ts';
export { grabStill, grabCameraStill } from './snapshot.ts';
export { checkCameraSource, CameraSourceError, maskCredentials, CAMERA_SCHEMES, splitPassword, withPassword, showWithMaskedPassword } from './camera-source.ts';
export { ffprobe, startFfmpeg, FFMPEG } from './ffmpeg.ts';
export { hashFile } from './files.ts';
export type { MediaNetwork } from './network.ts';
export { clipFromSegments, finaliseSegments, type FinalisedRecording } from './finalise.ts';
export { decodeVideoFrames, type VideoFrame } from './video-frames.ts';
