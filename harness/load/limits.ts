import { readFileSync } from 'node:fs';
import { LoadError } from './errors.ts';

/**
 * Every socket is an open file, and a process may hold only so many (RLIMIT_NOFILE; 20,000 on
 * the reference machine, hard limit included). A load run that would cross it fails up front with
 * the flag that spreads the sockets over more processes, instead of dying halfway through the
 * ramp with EMFILE.
 */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m || m[1] === 'unlimited') return undefined;
    return Number(m[1]);
  } catch {
    return undefined; // not Linux: no check, the OS will say EMFILE if it comes to that
  }
}

/** Headroom for the process's own files (modules, stdio, IPC, listeners). */
export const FILE_RESERVE = 200;

/** `limit` undefined: unknown (not Linux) or unlimited, so nothing to check. */
export function checkOpenFiles(sockets: number, who: string, flag: string, limit: number | undefined): void {
  if (limit === undefined || sockets + FILE_RESERVE <= limit) return;
  throw new LoadError('LOAD_TOO_MANY_CONNECTIONS', `${who} would hold ${sockets.toLocaleString('en-US')} sockets, above its open-file limit of ${limit.toLocaleString('en-US')} less ${FILE_RESERVE} in reserve; raise ${flag} to spread them over more processes`);
}
