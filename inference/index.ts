/** The inference plane: what the server may use. (Models, the worker pool and the tasks come with #4.) */
export { AlarmCooldown, cameraHealth, countMismatch, normaliseCode, plateCheck, sealCheck, type AlarmCandidate, type AlarmRule } from './alarms/rules.ts';
