import { describe, expect, it } from 'vitest';
import { shellWarnings } from '../../src/plan/index.js';

const sh = (script: string) => shellWarnings({ shell: true, argv: ['/bin/sh', '-c', script] });
const BACKGROUND = '"&" runs a process in the background: berth cannot see it exit, send it signals or stop it; run it in the foreground (drop the "&"), or make it a service of its own';
const NOHUP = '"nohup" detaches the process from its shell; berth already keeps it running and sends it signals itself; remove nohup';
const toFile = (r: string) => `"${r}" sends the output to a file: it never reaches berth's logs (docker logs); remove the redirection`;

describe('shell warnings', () => {
  it('flags all three in the Nx incident', () => {
    expect(sh('cd /app && nohup yarn start > /tmp/twenty.log 2>&1 &')).toEqual([NOHUP, toFile('> /tmp/twenty.log'), BACKGROUND]);
  });

  it.each([
    ['yarn start >> /var/log/app.log', [toFile('>> /var/log/app.log')]],
    ['yarn start 2> errors.txt', [toFile('2> errors.txt')]],
    ['yarn start &> all.log', [toFile('&> all.log')]],
    ['yarn start 2>/dev/null', ['"2> /dev/null" throws the output away; berth can show it in the logs only if it reaches stdout or stderr']],
    ['yarn start | tee /tmp/app.log', ['"| tee" pipes the output through tee: berth logs the output already, and sees tee\'s exit status instead of the command\'s; remove "| tee …"']],
    ['worker & web', [BACKGROUND]],
  ])('%s', (script, warnings) => expect(sh(script)).toEqual(warnings));

  it.each([
    'exec yarn start',
    'yarn migrate && exec yarn start',
    'yarn start 2>&1',
    'echo hi >&2',
    'yarn start > /dev/stdout',
    'echo "a & b > c | tee d" && echo \'nohup\'',
    'test -f x || exit 1',
    'grep -q nohup file # nohup & > x',
    'cat < input.txt',
  ])('leaves alone: %s', (script) => expect(sh(script)).toEqual([]));

  it('looks inside sh -c / bash -lc in an argv too, and at a bare nohup', () => {
    expect(shellWarnings({ shell: false, argv: ['bash', '-lc', 'yarn start &'] })).toEqual([BACKGROUND]);
    expect(shellWarnings({ shell: false, argv: ['nohup', 'yarn', 'start'] })).toEqual([NOHUP]);
    expect(shellWarnings({ shell: false, argv: ['yarn', 'start', '&'] })).toEqual([]);
  });
});
