import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether a user other than the owner (PostgreSQL's `postgres` account, when we run as root) can
 * reach `target`: every existing folder above it must let others traverse it. A checkout under
 * /root or a `mktemp -d` folder (both 0700) does not. Folders not created yet will be ours: they do.
 */
export function reachableByOthers(target: string): boolean {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    let mode: number | undefined;
    try {
      mode = statSync(dir).mode;
    } catch {
      mode = undefined;
    }
    if (mode !== undefined && (mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}
