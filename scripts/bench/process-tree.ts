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

/** CPU seconds used so far by the tree (children that already exited are not counted). */
export function treeCpuSeconds(rootPid: number, skip: ReadonlySet<number> = new Set()): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const p of processTree(rootPid, skip)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Resident memory of the tree, MB. */
export function treeRssMb(rootPid: number, skip: ReadonlySet<number> = new Set()): number {
  let kb = 0;
  for (const p of processTree(rootPid, skip)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}
