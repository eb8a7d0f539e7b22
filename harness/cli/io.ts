/** Where a command writes: the process's streams, or a test's buffers. */
export interface CliIo {
  stdout: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  stderr: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
}
