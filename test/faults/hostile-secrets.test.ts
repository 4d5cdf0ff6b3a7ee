// Secrets against hostile and careless output (issue 1/7): other JSON encoders' escapes, long
// secrets quoted cut short by berth's own messages, and secrets on a terminal.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BERTH_COMMAND, NODE, runBerth, tempDir } from '../helpers/berth.js';
import { inTerminal, run, terminalProblem } from '../fixtures/pid1/harness.js';
import { fx } from '../helpers/faults.js';
import { maskQuoted, MIN_SLICE } from '../../src/output/relay/mask.js';

let t: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => (t = tempDir('berth-hostile-secrets-')));
afterAll(() => t.cleanup());
const env = (extra: Record<string, string> = {}) => ({ BERTH_READY_FILE: join(t.dir, `ready-${++n}`), ...extra });

/** Every string a JSON consumer would get from this output: each line parsed, and JSON inside strings parsed again. */
function decoded(text: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      out.push(v);
      const i = v.indexOf('{');
      if (i !== -1) for (const line of v.slice(i).split('\n')) tryParse(line.slice(Math.max(0, line.indexOf('{'))));
    } else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  const tryParse = (line: string): void => {
    try {
      walk(JSON.parse(line));
    } catch {
      out.push(line);
    }
  };
  for (const line of text.split('\n')) {
    out.push(line);
    const i = line.indexOf('{');
    if (i !== -1) tryParse(line.slice(i));
    // plain text quoting a JSON string: what a consumer decodes from "…"
    for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) tryParse(`"${m[1]}"`);
  }
  return out;
}

/** Every run of MIN_SLICE characters of the secret. */
const slices = (secret: string) => Array.from({ length: secret.length - MIN_SLICE + 1 }, (_, i) => secret.slice(i, i + MIN_SLICE));

describe('other JSON encoders’ escapes', () => {
  const token = 'Zürich<&>/"quote-42';
  for (const format of ['json', 'pretty', 'raw'] as const) {
    it(`${format}: Python’s \\u00fc, Go’s \\u003c \\u0026 \\u003e, PHP’s \\/, upper-case hex, all escaped: no consumer decodes the secret, in child lines or berth’s report`, async () => {
      const cfg = t.write(
        `escapes-${format}.yaml`,
        `secrets: [TOKEN]\nlog: { format: ${format} }\nservices:\n  app: { command: [${NODE}, ${JSON.stringify(fx('escaped-secret.mjs'))}], ready: { log: never-printed }, readyTimeout: 1500ms }\n`,
      );
      const r = await runBerth(['-c', cfg], { env: env({ TOKEN: token }) });
      expect(r.code).toBe(69); // not ready: the report carries the last lines
      const all = r.stdout + '\n' + r.stderr;
      expect(all).toMatch(/ready\.timeout/);
      expect(all).toContain('python');
      const leaks = decoded(all).filter((s) => s.includes(token));
      expect(leaks).toEqual([]);
      expect(all.match(/\*\*\*/g)!.length).toBeGreaterThanOrEqual(12);
    });
  }

  it('real encoders: python3 json.dumps and php json_encode', async () => {
    const py = `import json,os; print(json.dumps({"pw": os.environ["TOKEN"]}))`;
    const php = `echo json_encode(["pw" => getenv("TOKEN")]), "\\n";`;
    const cfg = t.write('real-encoders.yaml', `secrets: [TOKEN]\ntasks:\n  - { name: py, command: [python3, -c, ${JSON.stringify(py)}] }\n  - { name: php, command: [php, -r, ${JSON.stringify(php)}] }\nservices:\n  app: { command: [true] }\n`);
    const r = await runBerth(['-c', cfg], { env: env({ TOKEN: token }) });
    expect(r.code).toBe(0);
    const lines = r.lines.filter((l) => l.stream === 'stdout');
    expect(lines.map((l) => l.pw)).toEqual(['***', '***']);
    expect(decoded(r.stdout).filter((s) => s.includes(token))).toEqual([]);
  });
});

describe('long secrets where berth quotes a value', () => {
  const token = 'S' + 'x1y2z3'.repeat(20); // 121 characters: messages cut quoted values at 60

  it('config errors cut the quoted value; no slice of 8+ characters of the secret is shown (text and --json)', async () => {
    const cfg = t.write('long-secret.yaml', 'secrets: [TOKEN]\nservices:\n  app: { command: [sleep, "1"], restart: "${TOKEN}", stopSignal: "x${TOKEN}" }\n');
    for (const args of [['-c', cfg], ['check', '-c', cfg, '--json']]) {
      const r = await runBerth(args, { env: env({ TOKEN: token }) });
      expect(r.code).toBe(78);
      const all = r.stdout + r.stderr;
      expect(all).toMatch(/restart: expected one of never/);
      expect(slices(token).filter((s) => all.includes(s))).toEqual([]);
    }
  });

  it('maskQuoted: any slice of 8+ characters of a secret, or of its JSON-escaped form, becomes ***', () => {
    const secretChars = fc.string({ unit: fc.constantFrom(...'abcdefgh"\\/é<&'), minLength: 8, maxLength: 80 });
    const otherChars = fc.string({ unit: fc.constantFrom(...'xyz :,{}'), maxLength: 20 });
    fc.assert(
      fc.property(secretChars, fc.nat(), fc.nat(), otherChars, otherChars, (secret, a, b, before, after) => {
        const from = a % (secret.length - 7);
        const slice = secret.slice(from, from + 8 + (b % (secret.length - from - 7)));
        for (const text of [`${before}${slice}${after}`, JSON.stringify(`${before}${slice}${after}`)]) {
          const shown = maskQuoted(text, [secret]);
          expect(shown).toContain('***');
          expect(slices(secret).filter((s) => shown.includes(s))).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
    expect(maskQuoted('short sec and short', ['sec'])).toBe('short *** and short'); // under 8: whole only
  });
});

describe.skipIf(terminalProblem())('on a terminal (docker run -it)', () => {
  it('the service keeps the terminal for its input, and its output is masked', async () => {
    const token = 'tty-secret-Zq9-long';
    const script = 'echo "token=$TOKEN"; tty; read answer; echo "got $answer"; exit 4';
    const cfg = t.write('tty.yaml', `secrets: [TOKEN]\nservices:\n  app: { command: [sh, -c, ${JSON.stringify(script)}] }\n`);
    const r = run(inTerminal([...BERTH_COMMAND, '-c', cfg]), 30_000, {
      ...process.env,
      NO_COLOR: '1',
      TOKEN: token,
      BERTH_READY_FILE: join(t.dir, `tty-ready-${++n}`),
      BERTH_CONTROL: join(t.dir, `tty-control-${n}.sock`),
    });
    await r.waitForText('/dev/pts/'); // its stdin is still the terminal
    r.write('yes\n'); // only the terminal's foreground group may read it
    const { status, output } = await r.exited;
    expect(status).toBe(4);
    expect(output).toContain('got yes');
    expect(output).toContain('token=***');
    expect(output).not.toContain(token);
    expect(output).toMatch(/terminal\.masked/);
  });
});
