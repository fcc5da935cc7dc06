/** Lets the command-line tools run a maintenance command inside the running server (see control-file.ts). */
import type { Express } from 'express';
import { AppError } from '../errors.ts';
import { runMaintenance, type MaintenanceContext } from '../maintenance/commands.ts';
import { tokensMatch } from '../maintenance/control-file.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function maintenanceRoutes(app: Express, context: MaintenanceContext, token: string) {
  app.post('/api/maintenance/:command', async (req, res, next) => {
    try {
      const given = /^Maintenance (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '') || !given || !tokensMatch(given, token)) {
        throw new AppError('forbidden', 'Maintenance commands are accepted from this machine with the control token only');
      }
      res.json(await runMaintenance(context, String(req.params.command), req.body ?? {}));
    } catch (err) {
      next(err);
    }
  });
}
