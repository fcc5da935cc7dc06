/** `npm run seed:demo`: a demo enterprise, farm site, officer, supervisor and declarations to try Watchpost. */
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

await cliMain(() => runMaintenanceCommand('seed-demo', {}));
