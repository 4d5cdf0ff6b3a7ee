// The single service owns the terminal (docker run -it): Ctrl-C, Ctrl-Z and `exit` behave
// as in a shell, and berth, out of the foreground, is never signalled by the keyboard.
import { describe, expect, it } from 'vitest';
import { fixtures, inTerminal, initArgv, run, terminalProblem } from '../fixtures/pid1/harness.js';

const problem = terminalProblem();
if (problem) console.warn(`skipping the terminal tests: ${problem}`);

async function inTerminalUnderInit(command: string[]) {
  const f = await fixtures();
  const r = run(inTerminal([...(await initArgv()), '--tty', f.fgExec, '--', ...command]));
  return r;
}

async function probe() {
  const f = await fixtures();
  const r = await inTerminalUnderInit([process.execPath, f.ttyProbe]);
  const where = await r.waitFor((l) => l.event === 'probe', 'the probe line');
  return { r, where };
}

describe.skipIf(problem)('the terminal goes to the one service', () => {
  it('puts the service in its own foreground process group in berth’s session', async () => {
    const { r, where } = await probe();
    const init = r.events('init.start')[0]!;
    expect(where.pgrp).toBe(where.pid);
    expect(where.tpgid).toBe(where.pid);
    expect(where.sid).toBe(init.pid);
    r.write('exit 7\n'); // read from the terminal: only the foreground may
    expect((await r.exited).status).toBe(7);
    expect(r.events('tty.back')).toMatchObject([{ back: true }]);
    expect(r.events('summary')).toMatchObject([{ status: 7 }]);
  });

  it('sends Ctrl-C to the service only; berth exits with its status', async () => {
    const { r } = await probe();
    r.write('\x03');
    await r.waitFor((l) => l.event === 'probe.sigint', 'SIGINT at the service');
    expect((await r.exited).status).toBe(130);
    expect(r.events('signal.received')).toEqual([]);
  });

  it('continues a service stopped by Ctrl-Z, which has no shell to return to', async () => {
    const { r } = await probe();
    r.write('\x1a');
    await r.waitFor((l) => l.event === 'service.stopped', 'service.stopped');
    await r.waitFor((l) => l.event === 'probe.cont', 'SIGCONT at the service');
    r.write('exit 5\n');
    expect((await r.exited).status).toBe(5);
  });

  it('gives bash job control: Ctrl-Z stops its job, exit ends berth with its code', async () => {
    const r = await inTerminalUnderInit(['/bin/bash', '--norc', '--noprofile', '-i']);
    r.write('(echo started-$((40+2)); exec sleep 30)\n');
    await r.waitForText('started-42');
    r.write('\x1a');
    await r.waitForText('Stopped');
    r.write('exit 3\n');
    await r.waitForText('stopped jobs');
    r.write('exit 3\n');
    const { status, output } = await r.exited;
    expect(status).toBe(3);
    expect(output).not.toMatch(/no job control|cannot set terminal process group/);
  });
});
