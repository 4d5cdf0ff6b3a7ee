// berth ctl's words and the protocol's requests: pure, checked before anything is sent.
import { describe, expect, it } from 'vitest';
import { parseCtlArgs } from '../../src/cli/ctl-args.js';
import { parseArgs } from '../../src/cli/args.js';
import { parseRequest, nesting } from '../../src/control/protocol.js';

describe('berth ctl arguments', () => {
  it('takes each verb with its words, options anywhere', () => {
    expect(parseArgs(['-c', 'x.yaml', 'ctl', 'status', '--json'])).toMatchObject({ verb: 'ctl', options: { config: 'x.yaml' }, command: ['status', '--json'] });
    expect(parseCtlArgs(['status', '--json'])).toMatchObject({ request: { cmd: 'status' }, json: true });
    expect(parseCtlArgs(['restart', 'a', 'b'])).toMatchObject({ request: { cmd: 'restart', names: ['a', 'b'] } });
    expect(parseCtlArgs(['signal', 'HUP', 'nginx'])).toMatchObject({ request: { cmd: 'signal', signal: 'HUP', names: ['nginx'] } });
    expect(parseCtlArgs(['logs', 'web', '-n', '5', '--follow', '--control', '/x.sock'])).toMatchObject({ request: { cmd: 'logs', name: 'web', lines: 5, follow: true }, control: '/x.sock' });
    expect(parseCtlArgs(['reload', '--dry-run'])).toMatchObject({ request: { cmd: 'reload', dryRun: true } });
  });

  it('refuses what cannot be meant, as a usage error', () => {
    for (const words of [[], ['stat'], ['restart'], ['signal', 'HUP'], ['logs'], ['logs', 'a', 'b'], ['status', 'x'], ['status', '-n', '3'], ['restart', 'a', '--dry-run'], ['logs', 'a', '-n', 'many'], ['status', '--bogus']]) {
      expect(() => parseCtlArgs(words), words.join(' ')).toThrow(/berth ctl/);
    }
  });
});

describe('control requests', () => {
  it('reads a good request and echoes its id', () => {
    expect(parseRequest('{"v":1,"cmd":"stop","names":["a","a"],"id":7}')).toEqual({ ok: true, request: { cmd: 'stop', names: ['a'] }, id: 7 });
    expect(parseRequest('{"v":1,"cmd":"logs","name":"a"}')).toMatchObject({ ok: true, request: { cmd: 'logs', name: 'a', lines: 100, follow: false } });
  });

  it('answers each kind of bad request with a reason and the exit status', () => {
    const code = (line: string) => {
      const r = parseRequest(line);
      return r.ok ? 'ok' : `${r.reply.error.code} ${r.reply.error.status}`;
    };
    expect(code('nope')).toBe('bad-request 64');
    expect(code('[1]')).toBe('bad-request 64');
    expect(code('{"cmd":"status"}')).toBe('unsupported-version 64');
    expect(code('{"v":2,"cmd":"status"}')).toBe('unsupported-version 64');
    expect(code('{"v":1,"cmd":"rm"}')).toBe('unknown-command 64');
    expect(code('{"v":1,"cmd":"status","x":1}')).toBe('bad-request 64');
    expect(code('{"v":1,"cmd":"stop","names":[]}')).toBe('bad-request 64');
    expect(code('{"v":1,"cmd":"logs","name":"a","lines":-1}')).toBe('bad-request 64');
    expect(code(`{"v":1,"cmd":"status","id":${'['.repeat(5000)}${']'.repeat(5000)}}`)).toBe('bad-request 64');
  });

  it('refuses a deeply nested line before parsing it (JSON.parse of 20,000 `[` builds 20,000 arrays first)', () => {
    const deep = parseRequest('['.repeat(20_000));
    expect(deep).toMatchObject({ ok: false, reply: { error: { code: 'bad-request' } } });
    expect(!deep.ok && deep.reply.error.message).toMatch(/nested more than 4 levels deep/);
    // brackets inside strings, escaped quotes included, are not nesting
    expect(nesting('{"v":1,"cmd":"stop","names":["[[[[[[\\"{{{{{{"]}')).toBe(2);
    expect(nesting('{"a":[[[[[]]]]]}', 100)).toBe(6);
    expect(parseRequest('{"v":1,"cmd":"stop","names":["[[[[[["]}')).toMatchObject({ ok: true, request: { names: ['[[[[[['] } });
  });
});
