// Bad input, in-process: the config loader and the plan builder get random and mangled
// documents, and must accept each one or reject it with a message (78 / 64) — never
// throw anything else (berth's exit 70 with a stack trace), never take long.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { interpolate } from '../../src/config/interpolate.js';
import { parseArgs } from '../../src/cli/args.js';
import { UsageError as ArgsUsageError } from '../../src/errors.js';
import {
  GOOD_ENV, GOOD_FILES, MAX_TIMER_MS, RUNS, SEED, goodConfig, judge, mangledDuration, mangledProbe, mutate, mutation, nastyString,
  nastyValue, planDurations, serialize, yamlishText, type Verdict,
} from './fuzz.js';

const opts = (numRuns: number) => ({ numRuns: RUNS(numRuns), seed: SEED, endOnFailure: true });
/** generous for a 2-core machine under load; a quadratic blow-up or a hang takes far longer */
const SLOW_MS = 3_000;

function expectSound(v: Verdict): void {
  expect(v.ms).toBeLessThan(SLOW_MS);
  if (v.kind === 'ok') {
    for (const [key, ms] of Object.entries(planDurations(v.plan))) {
      if (ms === undefined) continue;
      expect(Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIMER_MS, `${key} = ${ms} ms does not fit a timer`).toBe(true);
    }
  } else {
    // every line names what is wrong; none is a whole input echoed back
    for (const line of v.message.split("\n")) expect(line.length, line.slice(0, 300)).toBeLessThan(4_000);
  }
}

describe('config fuzzing, in-process (loadConfig + buildPlan)', () => {
  it('a good config loads (the base every mutation starts from)', () => {
    for (const how of ['yaml', 'flow', 'json'] as const) {
      const v = judge({ ...serialize(goodConfig(), how), env: GOOD_ENV, files: GOOD_FILES });
      expect(v.kind, v.kind === 'ok' ? '' : v.message).toBe('ok');
    }
  });

  it('random JSON values, as YAML and as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom('yaml', 'flow', 'json' as const), (value, how) => {
        expectSound(judge({ ...serialize(value, how), env: GOOD_ENV }));
      }),
      opts(300),
    );
  });

  it('random text: YAML punctuation, unicode, binary bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(yamlishText, fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 })),
        fc.boolean(),
        (text, asJson) => expectSound(judge({ text, name: asJson ? 'berth.json' : 'berth.yaml', env: GOOD_ENV })),
      ),
      opts(300),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => expectSound(judge({ text: Buffer.from(bytes), env: GOOD_ENV }))),
      opts(200),
    );
  });

  it('a good config, mutated: values replaced, keys deleted, renamed, added, wrapped', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.constantFrom('yaml', 'flow', 'json' as const), (ms, how) => {
        expectSound(judge({ ...serialize(mutate(goodConfig(), ms), how), env: GOOD_ENV, files: GOOD_FILES }));
      }),
      opts(400),
    );
  });

  it('every probe form, mangled, in ready:, waitFor: and --ready', () => {
    fc.assert(
      fc.property(mangledProbe, nastyString, (probe, resource) => {
        const doc = { waitFor: [resource], services: { app: { command: ['x'], ready: probe } } };
        expectSound(judge({ ...serialize(doc, 'yaml'), env: GOOD_ENV }));
        if (typeof probe === 'string') {
          expectSound(judge({ text: 'services:\n  app: { command: [x] }\n', env: GOOD_ENV, overrides: { readyProbe: probe, waitFor: [resource] } }));
        }
      }),
      opts(400),
    );
  });

  it('every duration form, mangled, in the file and in flags: accepted ones fit a timer', () => {
    fc.assert(
      fc.property(mangledDuration, fc.constantFrom('shutdownTimeout', 'waitTimeout', 'readyTimeout', 'stopTimeout', 'timeout', 'retryDelay'), (d, key) => {
        const doc: Record<string, unknown> = { tasks: [{ command: ['x'] }], services: { app: { command: ['x'] } } };
        if (key === 'shutdownTimeout' || key === 'waitTimeout') doc[key] = d;
        else if (key === 'timeout' || key === 'retryDelay') (doc.tasks as Record<string, unknown>[])[0]![key] = d;
        else (doc.services as Record<string, Record<string, unknown>>).app![key] = d;
        expectSound(judge({ ...serialize(doc, 'yaml'), env: GOOD_ENV }));
        const flag = String(d);
        expectSound(judge({ text: 'services:\n  app: { command: [x] }\n', env: GOOD_ENV, overrides: { readyTimeout: flag, stopTimeout: flag } }));
      }),
      opts(400),
    );
  });

  it('signals, counts, modes, names, users, env maps: every scalar kind mangled', () => {
    fc.assert(
      fc.property(fc.constantFrom('stopSignal', 'maxRestarts', 'restart', 'main', 'shell', 'user', 'cwd', 'env', 'after', 'requires', 'dirs', 'command', 'preset'), nastyValue, (key, value) => {
        const doc = { services: { app: { command: ['x'], [key]: value }, db: { command: ['y'] } } };
        expectSound(judge({ ...serialize(doc, 'yaml'), env: GOOD_ENV }));
      }),
      opts(400),
    );
  });

  it('interpolation: any mix of ${, }, $$, defaults and errors is expanded or refused, never thrown', () => {
    const piece = fc.constantFrom('${', '}', '$$', '$', 'A', 'B', 'UNSET', 'EMPTY', ':-', '-', ':?', '?', ':+', 'x', ' ', '{', '\\', 'constructor', '__proto__', 'toString');
    const env = { A: 'a', B: '${A}', EMPTY: '' };
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const r = interpolate(text, env);
        if (r.ok) {
          expect(r.value).not.toContain('${A}'.repeat(2)); // B's value is taken as it is: no second expansion
          expect(r.value).not.toMatch(/native code|\[object Object\]/); // ${constructor} is no variable
        }
        expectSound(judge({ text: `services:\n  app:\n    command: ${JSON.stringify(`echo ${text}`)}\n`, env }));
      }),
      opts(400),
    );
  });

  it('secrets: any name, set directly, through NAME_FILE, both, or neither', () => {
    const name = fc.oneof(fc.constantFrom('TOKEN', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'PATH', '_', 'A_FILE'), nastyString);
    fc.assert(
      fc.property(fc.array(name, { maxLength: 3 }), fc.constantFrom('direct', 'file', 'both', 'none'), (names, how) => {
        const env: Record<string, string> = { PATH: '/usr/bin:/bin' };
        for (const n of names) {
          if (how === 'direct' || how === 'both') env[n] = 'v-' + n.length;
          if (how === 'file' || how === 'both') env[`${n}_FILE`] = 'secret.txt';
        }
        const v = judge({ text: `secrets: ${JSON.stringify(names)}\nservices:\n  app: { command: [x] }\n`, env, files: { 'secret.txt': 'sekrit\n' } });
        expectSound(v);
        if (v.kind === 'ok') for (const s of v.plan.secretValues) expect(typeof s).toBe('string');
      }),
      opts(300),
    );
  });

  it('berth arguments: any argv is parsed or refused as a usage error, and its flags planned or refused', () => {
    const word = fc.oneof(
      fc.constantFrom('run', 'check', 'plan', 'health', 'schema', '--', '-', '-c', '--config', '--config=', '--ready', '--ready=', '--ready-timeout', '--ready-file', '--wait-for', '--cwd', '--stop-signal', '--stop-timeout', '--log-format', '--log-level', '--json', '--version', '-V', '--help', '-h', '--unknown', '-x', '--ready-timout'),
      nastyString,
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
        let parsed;
        try {
          parsed = parseArgs(argv);
        } catch (e) {
          expect(e).toBeInstanceOf(ArgsUsageError);
          expect((e as Error).message).not.toMatch(/\n\s+at /);
          return;
        }
        if (parsed.verb === 'help' || parsed.verb === 'version' || parsed.verb === 'health' || parsed.verb === 'schema') return;
        const o = parsed.options;
        const overrides = { readyFile: o.readyFile, readyProbe: o.ready, readyTimeout: o.readyTimeout, waitFor: o.waitFor, cwd: o.cwd, stopSignal: o.stopSignal, stopTimeout: o.stopTimeout, logFormat: o.logFormat, logLevel: o.logLevel };
        expectSound(judge({ text: 'services:\n  app: { command: [x] }\n', env: GOOD_ENV, cmdArgs: parsed.command, overrides }));
      }),
      opts(300),
    );
  });

  it('BERTH_* variables, mangled, are config errors, not crashes', () => {
    fc.assert(
      fc.property(nastyString, nastyString, nastyString, (format, level, file) => {
        expectSound(judge({ text: 'services:\n  app: { command: [x] }\n', env: { ...GOOD_ENV, BERTH_LOG_FORMAT: format, BERTH_LOG_LEVEL: level, BERTH_READY_FILE: file } }));
      }),
      opts(200),
    );
  });
});

describe('huge and deeply nested documents: rejected (or loaded) quickly, never a stack overflow', () => {
  const deep = (n: number, open: string, close: string, inner = 'x') => open.repeat(n) + inner + close.repeat(n);
  const cases: [string, () => string, string?][] = [
    ['a list nested 10,000 deep (flow)', () => `services:\n  app:\n    command: ${deep(10_000, '[', ']')}\n`],
    ['a mapping nested 10,000 deep (JSON)', () => `{"services":${deep(10_000, '{"a":', '}', '1')}}`, 'berth.json'],
    ['a block mapping nested 2,000 deep', () => 'services:\n' + Array.from({ length: 2_000 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n') + ' x\n'],
    ['${A:-${A:-…}} nested 20,000 deep', () => `services:\n  app:\n    command: "${deep(20_000, '${A:-', '}')}"\n`],
    ['${A:-${A:-…}} nested 33 deep (just past the limit)', () => `services:\n  app:\n    command: "${deep(33, '${A:-', '}')}"\n`],
    ['100,000 unclosed ${', () => `services:\n  app:\n    command: "${'${'.repeat(100_000)}"\n`],
    ['a 2 MB command string', () => `services:\n  app:\n    command: "${'x'.repeat(2 << 20)} '"\n`],
    ['a 1 MB key', () => `services:\n  app:\n    ${'k'.repeat(1 << 20)}: 1\n`],
    ['a 1 MB service name in after:', () => `services:\n  app:\n    command: x\n    after: [${'n'.repeat(1 << 20)}]\n`],
    ['100,000 items in after:', () => `services:\n  app:\n    command: x\n    after: [${Array.from({ length: 100_000 }, (_, i) => `s${i}`).join(',')}]\n`],
    ['2,000 services, each after a misspelled one', () => 'services:\n' + Array.from({ length: 2_000 }, (_, i) => `  service-${i}: { command: [x], after: [servce-${i}] }`).join('\n') + '\n'],
    ['2,000 services in a chain, written backwards', () => 'services:\n' + Array.from({ length: 2_000 }, (_, i) => `  s${i}: { command: [x], after: [s${i + 1}] }`).join('\n') + `\n  s2000: { command: [x] }\n`],
    ['a cycle through 2,000 services', () => 'services:\n' + Array.from({ length: 2_000 }, (_, i) => `  s${i}: { command: [x], after: [s${(i + 1) % 2_000}] }`).join('\n') + '\n'],
    ['an alias bomb (billion laughs)', () => 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n') + '\nservices: { app: { command: [x], env: { X: *j } } }\n'],
    ['an alias that merges into itself', () => 'x: &a\n  <<: *a\nservices: {}\n'],
    ['5 MB of random bytes', () => 'services:\n' + Buffer.from(Array.from({ length: 5 << 20 }, (_, i) => (i * 2654435761) >>> 24)).toString('latin1')],
    ['100,000 lines of comments and a tab', () => '# c\n'.repeat(100_000) + 'services:\n\tapp: x\n'],
    ['a 64-thousand-entry env map', () => `env:\n${Array.from({ length: 64_000 }, (_, i) => `  V${i}: ${i}`).join('\n')}\nservices: { app: { command: [x], ready: 1 } }\n`],
  ];
  for (const [name, make, file] of cases) {
    it(name, () => {
      const text = make();
      const v = judge({ text, name: file, env: GOOD_ENV });
      expect(v.ms).toBeLessThan(15_000);
      // every problem is reported (CONTRACT §2), but none echoes the whole input back
      if (v.kind !== 'ok') for (const line of v.message.split('\n')) expect(line.length).toBeLessThan(4_000);
    });
  }

  it('an environment value is never expanded again: A=${A} is no loop', () => {
    const v = judge({ text: 'services:\n  app:\n    command: [echo, "${A}", "${B:-${A}}"]\n', env: { A: '${A}${A}', B: '' } });
    expect(v.kind).toBe('ok');
    if (v.kind === 'ok') expect(v.plan.services[0]!.argv).toEqual(['echo', '${A}${A}', '${A}${A}']);
  });
});
