// The two questions preflight and the presets ask of the filesystem, answered without throwing.
import { statSync } from 'node:fs';

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
