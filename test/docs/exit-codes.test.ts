// The exit tables a user reads (README, docs/CONTRACT.md, berth --help) against the one
// list berth exits from (src/errors.ts): every code is there, and no code that is not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { HELP } from '../../src/cli/args.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The numbers in the last column of the markdown table under `heading`. */
function exitTable(file: string, heading: RegExp): number[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const at = text.search(heading);
  expect(at, `${file} has an exit status section`).toBeGreaterThanOrEqual(0);
  const rows = text.slice(at).split('\n').slice(1);
  const table = rows.slice(rows.findIndex((l) => l.startsWith('|')));
  const body = table.slice(0, table.findIndex((l) => !l.startsWith('|'))).slice(2);
  return body.flatMap((row) => (row.split('|').at(-2) ?? '').match(/\d+/g)?.map(Number) ?? []);
}

// a service's own status and 128+signal are not berth's codes; `berth health`'s 1 has its own line
const OWN = Object.values(EXIT).filter((c) => c !== EXIT.UNHEALTHY);

describe('exit codes', () => {
  for (const [file, heading] of [
    ['README.md', /^### Exit status$/m],
    ['docs/CONTRACT.md', /^## \d+\. Exit status$/m],
  ] as const) {
    it(`${file}'s table lists every code of src/errors.ts, and nothing else`, () => {
      const listed = exitTable(file, heading).filter((n) => n !== 128);
      expect([...new Set(listed)].sort((a, b) => a - b)).toEqual([...OWN].sort((a, b) => a - b));
    });
  }

  it('berth --help names every code but 0 and 1', () => {
    const help = HELP.slice(HELP.indexOf('Exit status'));
    const missing = OWN.filter((c) => c > 1 && !new RegExp(`\\b${c}\\b`).test(help));
    expect(missing).toEqual([]);
  });
});
