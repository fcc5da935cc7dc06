/**
 * `npm run verify -- SESSION_ID`: re-hashes every sealed artefact of a session, checks the manifest and
 * verdict signatures and the audit chain, and says exactly what differs.
 * `npm run verify -- --loading RECORD_ID`: the same for a sealed loading record.
 * `npm run verify -- package.zip`: checks an evidence package offline (no database, no server).
 * Exit code 1 when anything differs.
 */
import { verifyEvidencePackage } from '../server/archive/evidence-package.ts';
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

const loading = process.argv[2] === '--loading';
const target = process.argv[loading ? 3 : 2];
await cliMain(async () => {
  if (!target) throw new Error('usage: npm run verify -- SESSION_ID | --loading RECORD_ID | package.zip');
  const report = loading
    ? ((await runMaintenanceCommand('verify-loading', { recordId: target })) as { ok: boolean })
    : target.endsWith('.zip')
      ? await verifyEvidencePackage(target)
      : ((await runMaintenanceCommand('verify', { sessionId: target })) as { ok: boolean });
  if (!report.ok) process.exitCode = 1;
  return report;
});
