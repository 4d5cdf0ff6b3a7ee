// Temporary directories a test file makes and forgets: each is removed when the file ends
// (the afterAll in test/helpers/setup.ts), so a run of the suite leaves nothing in the temp
// directory. A directory a test removes itself is simply gone already.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh directory in the temp directory, named `prefix` + random, removed when the test file ends. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeScratchDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
