/**
 * What a camera source may be, and how ffmpeg opens it. Sources are camera protocols only (RTSP, RTP,
 * UDP, SRT, HTTP(S) for MJPEG); a local file only inside a folder the administrator names (demos and
 * tests). ffmpeg is always given a protocol whitelist for the source's own scheme, so a source cannot
 * reach files or other hosts through nested protocols (`file://http://…`, playlists, concat).
 */
import path from 'node:path';

export const CAMERA_SCHEMES = ['rtsp', 'rtsps', 'rtp', 'udp', 'srt', 'http', 'https', 'file'] as const;
type Scheme = (typeof CAMERA_SCHEMES)[number];

const WHITELIST: Record<Scheme, string> = {
  rtsp: 'rtsp,rtp,udp,tcp',
  rtsps: 'rtsps,rtsp,rtp,udp,tcp,tls',
  rtp: 'rtp,udp',
  udp: 'udp',
  srt: 'srt,udp',
  http: 'http,tcp',
  https: 'https,http,tcp,tls',
  file: 'file',
};

export class CameraSourceError extends Error {}

function schemeOf(sourceUrl: string): Scheme {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(sourceUrl)?.[1]?.toLowerCase();
  if (!scheme || !(CAMERA_SCHEMES as readonly string[]).includes(scheme)) {
    throw new CameraSourceError(`A camera source is an ${CAMERA_SCHEMES.filter((s) => s !== 'file').join(', ')} URL`);
  }
  return scheme as Scheme;
}

/** The local path of a file: source (`file:///abs/path`). */
function filePath(sourceUrl: string): string {
  return decodeURI(sourceUrl.slice('file://'.length));
}

/**
 * Refuses a source that is not a camera protocol, or a file outside `mediaDir` (no mediaDir: no files).
 * Checked when a camera is registered; ffmpeg's whitelist holds the line again when it is opened.
 */
export function checkCameraSource(sourceUrl: string, policy: { mediaDir?: string }): void {
  if (/\s/.test(sourceUrl)) throw new CameraSourceError('A camera source has no spaces');
  const scheme = schemeOf(sourceUrl);
  if (scheme !== 'file') {
    if (!URL.canParse(sourceUrl)) throw new CameraSourceError('The camera source is not a valid URL');
    return;
  }
  if (!policy.mediaDir) throw new CameraSourceError('File sources are off: set CAMERA_MEDIA_DIR to a folder of video files to allow them');
  const file = path.resolve(filePath(sourceUrl));
  const root = path.resolve(policy.mediaDir);
  if (!path.isAbsolute(filePath(sourceUrl)) || !(file + path.sep).startsWith(root + path.sep)) {
    throw new CameraSourceError('A file source must be a file inside CAMERA_MEDIA_DIR');
  }
}

/** ffmpeg's input options for a source: its protocol whitelist, then `-i` and what ffmpeg should open. */
export function ffmpegInput(sourceUrl: string): { whitelist: string[]; input: string } {
  const scheme = schemeOf(sourceUrl);
  // A file is opened as a file whatever its name looks like.
  const input = scheme === 'file' ? `file:${filePath(sourceUrl)}` : sourceUrl;
  return { whitelist: ['-protocol_whitelist', WHITELIST[scheme]], input };
}

/** Hides the password of every URL in a text (camera URLs often carry the camera's login). */
export const maskCredentials = (text: string) => text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^/@\s]*@/gi, '$1***@');

/**
 * A source URL without its password (the username stays, to be seen), and the password apart, so the
 * password can be stored encrypted and the URL shown, logged and audited as it is.
 */
export function splitPassword(sourceUrl: string): { sourceUrl: string; password: string | null } {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):([^/@\s]*)@/i.exec(sourceUrl);
  if (!match) return { sourceUrl, password: null };
  return { sourceUrl: `${match[1]}@${sourceUrl.slice(match[0].length)}`, password: decodeURIComponent(match[2]!) };
}

/** The URL ffmpeg opens: the stored URL with its password put back. */
export function withPassword(sourceUrl: string, password: string | null): string {
  if (password === null) return sourceUrl;
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/:@\s]*)@/i.exec(sourceUrl);
  if (!match) return sourceUrl;
  return `${match[1]}${match[2]}:${encodeURIComponent(password)}@${sourceUrl.slice(match[0].length)}`;
}

/** How a stored URL is shown when it has a password kept apart: `user:***@host`. */
export function showWithMaskedPassword(sourceUrl: string, hasPassword: boolean): string {
  return hasPassword ? withPassword(sourceUrl, '***') : maskCredentials(sourceUrl);
}
