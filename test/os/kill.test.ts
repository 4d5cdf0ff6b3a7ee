// sendSignal: the one way berth signals a process or a group. kill(2) reads 0 as the caller's
// own group, -1 as every process it may signal and 1 as init: a pid worked out wrong must
// never reach those. Signal 0 only asks whether a kill would be allowed: nothing is sent.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sendSignal } from '../../src/os/kill.js';

describe('sendSignal', () => {
  it('refuses 0, -0, 1, -1 and what is not a whole number, without calling kill(2)', () => {
    for (const pid of [0, -0, 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(sendSignal(pid, 0), String(pid)).toBe(false);
  });

  it('signals a process and a process group, and says false once they are gone', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    expect(sendSignal(child.pid!, 0)).toBe(true);
    expect(sendSignal(-child.pid!, 'SIGTERM')).toBe(true);
    expect(await exited).toBe('SIGTERM');
    expect(sendSignal(-child.pid!, 0)).toBe(false);
  });
});
