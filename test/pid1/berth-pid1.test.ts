// The real berth (bin/berth.js) as PID 1 of a new PID namespace, as a subreaper under
// another PID 1, and in a terminal whose session it leads, as under `docker run -it`.
// The workloads count zombies from inside the namespace; berth's own lines say what it did.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, inNamespace, inTerminal, run, terminalProblem, unshareProblem, type Line, type Run } from '../fixtures/pid1/harness.js';
import { BERTH, BERTH_BIN, BERTH_COMMAND, FIXTURES, tempDir } from '../helpers/berth.js';
import { until } from '../helpers/faults.js';
import { processStat } from '../../src/os/proc.js';

const nsProblem = unshareProblem();
if (nsProblem) console.warn(`skipping the tests of berth as PID 1: ${nsProblem}`);
const ttyProblem = terminalProblem();
if (ttyProblem && !nsProblem) console.warn(`skipping the tests of berth in a terminal: ${ttyProblem}`);

let t: ReturnType<typeof tempDir>;
beforeAll(() => void (t = tempDir('berth-pid1-')));
afterAll(() => t.cleanup());

/** node bin/berth.js with JSON lines (a terminal would get pretty ones) and a private ready file */
const berth = (...args: string[]): string[] => [...BERTH_COMMAND, '--log-format', 'json', '--ready-file', `${t.dir}/ready`, ...args];

const runs: Run[] = [];
function start(argv: string[], env?: NodeJS.ProcessEnv): Run {
  const r = run(argv, 45_000, env);
  runs.push(r);
  return r;
}
// a test that failed half-way leaves nothing behind: berth is PID 1 of its namespace,
// and the namespace ends with it
afterEach(() => {
  for (const r of runs.splice(0)) {
    for (const pid of descendants(r.pid)) signal(pid, 'SIGKILL');
    r.kill();
  }
});

async function finished(r: Run) {
  const { status, output } = await r.exited;
  const one = (event: string): Line => {
    const found = r.events(event);
    if (found.length !== 1) throw new Error(`expected one ${event} line, got ${found.length}; output:\n${output}`);
    return found[0]!;
  };
  return { status, output, one };
}

const burst = async (...args: string[]) => [process.execPath, (await fixtures()).orphanBurst, ...args];

describe.skipIf(nsProblem)('berth as PID 1 of a PID namespace', () => {
  it('reaps 1,000 double-forked orphans: no zombie is left in the namespace', async () => {
    const r = start(inNamespace(berth('--log-level', 'debug', '--', ...(await burst('--orphans', '1000')))));
    const { status, one } = await finished(r);
    expect(status).toBe(0);
    expect(one('burst')).toMatchObject({ orphans: 1000, orphanParents: [1], left: 0, zombies: 0 });
    const reaped = r.events('reaped');
    expect(reaped).toHaveLength(1000);
    expect(new Set(reaped.map((l) => l.command))).toEqual(new Set(['sh'])); // debug: commands read
    expect(one('service.exit')).toMatchObject({ code: 0, status: 0 });
    expect(one('shutdown.done')).toMatchObject({ status: 0 });
  });

  it('reaps them as well at the default log level, where it neither reads nor logs their commands', async () => {
    const r = start(inNamespace(berth('--', ...(await burst('--orphans', '1000')))));
    const { status, one } = await finished(r);
    expect(status).toBe(0);
    expect(one('burst')).toMatchObject({ orphans: 1000, orphanParents: [1], left: 0, zombies: 0 });
    expect(r.events('reaped')).toEqual([]);
  });

  it("reports the service's own exit while its orphans exit with odd codes", async () => {
    const r = start(inNamespace(berth('--log-level', 'debug', '--', ...(await burst('--orphans', '500', '--odd-codes', '--exit', '42')))));
    const { status, one } = await finished(r);
    expect(status).toBe(42);
    expect(one('burst')).toMatchObject({ orphans: 500, left: 0, zombies: 0 });
    expect(one('service.exit')).toMatchObject({ service: 'node', code: 42, status: 42 });
    expect(one('shutdown.done')).toMatchObject({ status: 42 });
    expect(new Set(r.events('reaped').map((l) => l.exitCode))).toEqual(new Set([3, 53, 103, 153, 203]));
  });

  it('stops everything on SIGTERM from outside the namespace, leftovers too, and exits 0', async () => {
    const config = t.write('sigterm.json', JSON.stringify({
      services: {
        sleeper: { command: ['sleep', '1000'] },
        trapper: { command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 1000 & wait'] },
        // leaves a process in a session of its own, which only berth can end; names it once it
        // is sleep (until then it is the shell's fork, and a SIGTERM then ends it as sh)
        leaver: { command: ['/bin/sh', '-c', 'setsid sleep 1000 </dev/null >/dev/null 2>&1 & p=$$!; until [ "$$(cat /proc/$$p/comm 2>/dev/null)" = sleep ]; do :; done; echo "{\\"event\\":\\"leftover\\",\\"pid\\":$$p}"; exec sleep 1000'] },
      },
    }));
    const r = start(inNamespace(berth('--log-level', 'debug', '-c', config)));
    await r.waitFor((l) => l.event === 'ready', 'ready');
    const leftover = await r.waitFor((l) => l.event === 'leftover', 'the leftover pid');
    const [berthPid, ...others] = childrenOf(r.pid); // unshare --fork: berth is its only child
    expect(others).toEqual([]);
    expect(commandLine(berthPid!)).toContain(BERTH_BIN ?? BERTH);
    process.kill(berthPid!, 'SIGTERM');
    const { status, one } = await finished(r);
    expect(status).toBe(0);
    expect(one('signal.received')).toMatchObject({ signal: 'SIGTERM' });
    const exits = Object.fromEntries(r.events('service.exit').map((l) => [l.service, l]));
    expect(exits).toMatchObject({
      sleeper: { signal: 'SIGTERM', killed: false },
      trapper: { code: 0, killed: false },
      leaver: { signal: 'SIGTERM', killed: false },
    });
    expect(one('shutdown.leftovers')).toMatchObject({ pids: [leftover.pid] });
    expect(r.events('reaped').filter((l) => l.pid === leftover.pid)).toMatchObject([{ command: 'sleep', signal: 'SIGTERM' }]);
    expect(one('shutdown.done')).toMatchObject({ status: 0, reason: 'SIGTERM' });
  });
});

describe.skipIf(nsProblem)('berth as a subreaper (not PID 1)', () => {
  it("gets a daemonizing service's orphans back and ends its leftover at shutdown", async () => {
    // orphans, then a daemon as daemons are made: a child in a session of its own (out of
    // the service's process group, which berth ends with the service), and exit 0
    // the service exits only once the daemon is sleep: else berth's SIGTERM may find it still
    // setsid (or the shell's fork), the very race this test does not mean to measure
    const daemonize = `setsid sleep 1000 </dev/null >/dev/null 2>&1 & d=$!; i=0; until [ "$(cat /proc/$d/comm 2>/dev/null)" = sleep ] || [ $i -ge 100000 ]; do i=$((i+1)); done; echo '{"event":"daemon","pid":'$d'}'`;
    const service = ['/bin/sh', '-c', `"$@" || exit; ${daemonize}`, 'sh', ...(await burst('--orphans', '10'))];
    const r = start(inNamespace(berth('--log-level', 'debug', '--', ...service), 'subreaper'));
    const { status, one } = await finished(r);
    expect(status).toBe(0);
    const b = one('burst');
    expect(b).toMatchObject({ orphans: 10, left: 0, zombies: 0 });
    expect(b.orphanParents).toHaveLength(1);
    expect(b.orphanParents).not.toEqual([1]); // berth's pid, not PID 1's (a shell here)
    const daemon = one('daemon');
    expect(one('service.daemonized')).toMatchObject({ service: 'sh', leftovers: [{ pid: daemon.pid }] });
    expect(one('shutdown.leftovers')).toMatchObject({ pids: [daemon.pid] });
    expect(r.events('reaped').filter((l) => l.pid === daemon.pid)).toMatchObject([{ command: 'sleep', signal: 'SIGTERM' }]);
    expect(one('shutdown.done')).toMatchObject({ status: 0 });
  });
});

describe.skipIf(nsProblem || ttyProblem)('berth in a terminal: the one service gets it', () => {
  const probe = async () => [process.execPath, `${FIXTURES}/pid1/tty-probe.mjs`];
  const startProbe = async (env?: NodeJS.ProcessEnv) => {
    const r = start(inTerminal(berth('--', ...(await probe()))), env);
    return { r, where: await r.waitFor((l) => l.event === 'probe', 'the probe line') };
  };

  it("runs the service in its own foreground process group in berth's session; `exit 7` exits 7", async () => {
    const { r, where } = await startProbe();
    expect(where).toMatchObject({ pgrp: where.pid, tpgid: where.pid, sid: 1 });
    r.write('exit 7\n'); // a read from the terminal: only its foreground group may
    const { status, one } = await finished(r);
    expect(status).toBe(7);
    expect(one('service.exit')).toMatchObject({ code: 7, status: 7 });
    expect(r.events('terminal.kept')).toEqual([]);
  });

  it("keeps NODE_OPTIONS from the launcher's own Node and gives it back to the service", async () => {
    const preload = `--require=${FIXTURES}/pid1/preload-mark.cjs`;
    const { r, where } = await startProbe({ ...process.env, NODE_OPTIONS: preload });
    expect(where).toMatchObject({ nodeOptions: preload, saved: null });
    r.write('exit 0\n');
    expect((await r.exited).status).toBe(0);
    const loaders = r.events('preloaded').map((l) => l.argv as string[]);
    // the executable takes no node options from NODE_OPTIONS at all (execArgvExtension: none)
    expect(loaders.map((argv) => argv[0])).toEqual([...(BERTH_BIN ? [] : [BERTH]), `${FIXTURES}/pid1/tty-probe.mjs`]);
  });

  it('sends Ctrl-C to a service that is no shell, never to berth: it exits 130', async () => {
    const r = start(inTerminal(berth('--', '/bin/sh', '-c', 'echo fg-$((6*7)); exec sleep 1000')));
    await r.waitForText('fg-42'); // printed by the service, which has the terminal by then
    r.write('\x03');
    const { status, one } = await finished(r);
    expect(status).toBe(130);
    expect(one('service.exit')).toMatchObject({ signal: 'SIGINT', status: 130 });
    expect(r.events('signal.received')).toEqual([]);
  });

  it('continues a service stopped by Ctrl-Z, which has no shell to return to', async () => {
    const { r } = await startProbe();
    r.write('\x1a');
    const continued = await r.waitFor((l) => l.event === 'service.continued', 'service.continued');
    await r.waitFor((l) => l.event === 'probe.cont', 'SIGCONT at the service');
    r.write('exit 5\n');
    const { status } = await finished(r);
    expect(status).toBe(5);
    expect(continued).toMatchObject({ service: 'node' });
  });

  it('lets a resize reach the service directly (SIGWINCH to the foreground group)', async () => {
    const { r, where } = await startProbe();
    const stty = spawnSync('stty', ['-F', String(where.tty), 'rows', '31', 'cols', '101'], { encoding: 'utf8' });
    expect(stty.stderr).toBe('');
    await r.waitFor((l) => l.event === 'probe.winch' && l.cols === 101 && l.rows === 31, 'SIGWINCH with 101x31 at the service');
    r.write('exit 0\n');
    expect((await r.exited).status).toBe(0);
    expect(r.events('signal.forwarded')).toEqual([]); // berth, out of the foreground, never saw it
  });

  it('takes the terminal back when the service exits: restarted, it has the terminal again', async () => {
    const config = t.write('restart.json', JSON.stringify({ services: { probe: { command: await probe(), restart: 'on-failure' } } }));
    const r = start(inTerminal(berth('-c', config)));
    const first = await r.waitFor((l) => l.event === 'probe', 'the first probe line');
    r.write('exit 1\n');
    const second = await r.waitFor((l) => l.event === 'probe' && l.pid !== first.pid, 'the restarted probe line');
    expect(second).toMatchObject({ pgrp: second.pid, tpgid: second.pid, sid: 1 });
    r.write('exit 0\n');
    const { status, one } = await finished(r);
    expect(status).toBe(0);
    expect(one('service.restart')).toMatchObject({ service: 'probe', status: 1 });
  });

  it('gives bash job control: Ctrl-C and Ctrl-Z reach its jobs, `exit 3` ends berth with 3', async () => {
    const r = start(inTerminal(berth('--', '/bin/bash', '--norc', '--noprofile', '-i')));
    r.write('(echo first-$((40+2)); exec sleep 1000)\n');
    await r.waitForText('first-42');
    // the job's subshell prints, then execs sleep: a Ctrl-C in between is caught by the
    // subshell's handler and lost in the exec, and sleep runs on (a bash race, not berth's)
    await until(() => sleeping(r.pid), 10_000, 'the job to exec sleep');
    r.write('\x03'); // to the job, not bash, not berth
    r.write('echo alive-$((1+1))\n');
    await r.waitForText('alive-2');
    r.write('(echo second-$((40+2)); exec sleep 1000)\n');
    await r.waitForText('second-42');
    await until(() => sleeping(r.pid), 10_000, 'the job to exec sleep');
    r.write('\x1a');
    await r.waitForText('Stopped');
    r.write('exit 3\n');
    await r.waitForText('stopped jobs');
    r.write('exit 3\n');
    const { status, output, one } = await finished(r);
    expect(status).toBe(3);
    expect(one('service.exit')).toMatchObject({ code: 3, status: 3 });
    expect(r.events('signal.received')).toEqual([]);
    expect(output).not.toMatch(/no job control|cannot set terminal process group/);
  });
});

/** a `sleep` runs among pid's descendants (not a zombie, not stopped) */
function sleeping(pid: number): boolean {
  return descendants(pid).some((p) => {
    const stat = processStat(p);
    return stat?.comm === 'sleep' && /^[RSD]/.test(stat.state);
  });
}

/** every live descendant of pid, from the ppid in /proc/PID/stat */
function descendants(pid: number): number[] {
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length; ) {
    frontier = frontier.flatMap(childrenOf);
    found.push(...frontier);
  }
  return found;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
