/**
 * Where a session's evidence lives, relative to the data dir (and as keys in an S3 bucket): the one place
 * that knows the layout `sessions/<id>/…`.
 */
import path from 'node:path';

export const sessionFolder = (sessionId: string) => path.posix.join('sessions', sessionId);
export const recordingFolder = (sessionId: string, recordingId: string) => path.posix.join(sessionFolder(sessionId), 'recordings', recordingId);
export const snapshotFile = (sessionId: string, fileName: string) => path.posix.join(sessionFolder(sessionId), 'snapshots', fileName);
export const alarmFrameFile = (sessionId: string, frameAt: Date, rule: string) => path.posix.join(sessionFolder(sessionId), 'alarms', `${frameAt.getTime()}-${rule}.jpg`);
/** The footage clip of an alarm at a supervised farm (without its extension: MP4 or WebM is chosen by codec). */
export const siteAlarmClipBase = (siteId: string, alarmId: string) => path.posix.join('sites', siteId, 'alarms', `${alarmId}-clip`);
/** The frame of an alarm at a supervised farm, outside any session. */
export const siteAlarmFrameFile = (siteId: string, frameAt: Date, rule: string) => path.posix.join('sites', siteId, 'alarms', `${frameAt.getTime()}-${rule}.jpg`);
/** The sealed exports: timeline.json, verdict.json, manifest.json, manifest.sig. */
export const sealedExportsFolder = (sessionId: string) => path.posix.join(sessionFolder(sessionId), 'evidence');
/** A loading record's own files (its checklist stills, its sealed exports). */
export const loadingRecordFolder = (recordId: string) => path.posix.join('loading-records', recordId);
export const loadingStillFile = (recordId: string, at: Date, item: string) => path.posix.join(loadingRecordFolder(recordId), 'stills', `${at.getTime()}-${item}.jpg`);
export const loadingSealedFolder = (recordId: string) => path.posix.join(loadingRecordFolder(recordId), 'evidence');
/** A labelled sample's picture (an officer's correction of the vision): outside sealed folders, deleted by retention. */
export const sampleImageFile = (sampleId: string) => path.posix.join('samples', `${sampleId}.jpg`);
