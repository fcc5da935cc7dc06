/**
 * `npm run verify -- SESSION_ID`: re-hashes every sealed artefact of a session, checks the manifest and
 * verdict signatures and the audit chain, and says exactly what differs. Exit code 1 when anything does.
 */
import { cliMain, runMaintenanceCommand } from './maintenance.ts';
import type { VerificationReport } from '../server/services/archive.service.ts';

const sessionId = process.argv[2];
await cliMain(async () => {
  if (!sessionId) throw new Error('usage: npm run verify -- SESSION_ID');
  const report = (await runMaintenanceCommand('verify', { sessionId })) as VerificationReport;
  if (!report.ok) process.exitCode = 1;
  return report;
});
