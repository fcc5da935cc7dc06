/** A process and its descendants, read from /proc (Linux): what a benchmark charges to the platform. */
import fs from 'node:fs';

/** `rootPid` and every descendant, but those in `skip` (and theirs). */
export function processTree(rootPid: number, skip: ReadonlySet<number> = new Set()): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i]!) ?? []).filter((c) => !skip.has(c)));
  return pids;
}
