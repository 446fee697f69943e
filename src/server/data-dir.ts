/**
 * The data directory holds the master key, the store and the access log: owner-only (0700).
 */
import fs from 'node:fs';

/**
 * Creates `dir` 0700 (and its parents), or narrows an existing directory of the caller's own to
 * 0700 (a plain `mkdir` leaves 0755). A directory that others may write to (group- or
 * world-writable, or sticky like `/tmp`) or that another user owns is refused instead of narrowed:
 * `credplane up` often runs as root, and `--data-dir /tmp` must not make /tmp private for every
 * other user of the machine — nor would a directory others can write be a safe place for the key.
 */
export function privateDataDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new Error(`The data directory ${dir} is not a directory`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new Error(`The data directory ${dir} belongs to another user; use a directory of your own`);
  }
  if ((stat.mode & 0o1022) !== 0) {
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
    throw new Error(
      `The data directory ${dir} is writable by others (mode ${mode}); use a directory of its own, ` +
        `e.g. ${dir.replace(/\/+$/, '')}/credplane`,
    );
  }
  fs.chmodSync(dir, 0o700);
}
