import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Whether /proc tells processes' parents and start-up environments (Linux). */
export const HAS_PROC = existsSync('/proc/self/environ');

/** The pids of this process's live children, read from /proc (Linux only). */
export function childPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The field after the parenthesised command name is the state, then the parent's pid.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // A zombie has exited and waits to be reaped: it holds nothing.
        return fields[0] !== 'Z' && Number(fields[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The environment `pid` was started with, as NAME=value entries (Linux only). */
export function startEnvironment(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}
