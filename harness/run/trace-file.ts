import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes trace lines to a file through a 1 MiB buffer: a day of the flagship fleet is ~100 MB of
 * trace, and one write() per line would cost more than the simulation itself.
 */
export class TraceFileWriter {
  readonly path: string;
  readonly #fd: number;
  #chunks: string[] = [];
  #buffered = 0;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, 'w');
  }

  readonly write = (line: string): void => {
    this.#chunks.push(line, '\n');
    this.#buffered += line.length + 1;
    if (this.#buffered >= 1 << 20) this.flush();
  };

  flush(): void {
    if (this.#chunks.length === 0) return;
    writeSync(this.#fd, this.#chunks.join(''));
    this.#chunks = [];
    this.#buffered = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}
