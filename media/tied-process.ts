/**
 * Child processes that cannot outlive us: started through util-linux `setpriv --pdeathsig`, the kernel
 * signals them when the process that started them dies, however it dies (even by SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function spawnTied(command: string, args: string[], options: { stdout?: 'pipe' | 'ignore'; onParentDeath?: 'SIGKILL' | 'SIGTERM' } = {}): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', options.onParentDeath ?? 'SIGKILL', '--', command, ...args], {
    stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
    // A process group of its own: Ctrl-C in the terminal signals the whole foreground group, and a recorder
    // or redis-server stopped by it under the platform (which stops them in order) made a stop hang.
    detached: true,
  });
}

/** Asks a process to stop (SIGTERM), kills it if it has not after graceMs, and waits for it to exit. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
