// berth as PID 1 and as a subreaper, in a new PID namespace: orphans are reaped, berth's
// own children are not, and processes re-parented to it are ended at shutdown.
import { describe, expect, it } from 'vitest';
import { fixtures, inNamespace, initArgv, run, unshareProblem, type Line } from '../fixtures/pid1/harness.js';

const problem = unshareProblem();
if (problem) console.warn(`skipping the PID namespace tests: ${problem}`);

async function underInit(initArgs: string[], workload: string[], as: 'pid1' | 'subreaper' = 'pid1') {
  const argv = inNamespace([...(await initArgv()), ...initArgs, '--', process.execPath, (await fixtures()).orphanBurst, ...workload], as);
  const r = run(argv);
  const { status, output } = await r.exited;
  const one = (event: string): Line => {
    const found = r.events(event);
    if (found.length !== 1) throw new Error(`expected one ${event} line, got ${found.length}; output:\n${output}`);
    return found[0]!;
  };
  return { status, one, events: r.events };
}

describe.skipIf(problem)('reaping in a PID namespace', () => {
  it('as PID 1 reaps a burst of 1,000 orphans and leaves no zombie', async () => {
    const r = await underInit(['--log-level', 'debug'], ['--orphans', '1000']);
    expect(r.status).toBe(0);
    expect(r.one('burst')).toMatchObject({ orphans: 1000, orphanParents: [1], left: 0, zombies: 0 });
    const reaped = r.events('reaped');
    expect(reaped).toHaveLength(1000);
    expect(new Set(reaped.map((l) => l.command))).toEqual(new Set(['sh']));
    expect(r.one('summary')).toMatchObject({ status: 0, zombies: 0 });
  });

  it("reports its own child's exit code while orphans exit with odd codes", async () => {
    const r = await underInit(['--own', '200', '--log-level', 'debug'], ['--orphans', '500', '--odd-codes', '--exit', '42']);
    expect(r.status).toBe(42);
    expect(r.one('child.exit')).toMatchObject({ code: 42, signal: null });
    expect(r.one('own.exits')).toMatchObject({ total: 200, wrong: [] });
    // not `zombies: 0` here: the init's own 200 children may still await libuv's waitpid
    // while the burst counts; none is left once the init has seen them all (summary)
    expect(r.one('burst')).toMatchObject({ orphans: 500, left: 0 });
    expect(r.one('summary')).toMatchObject({ status: 42, zombies: 0 });
    const codes = new Set(r.events('reaped').map((l) => l.exitCode));
    expect(codes).toEqual(new Set([3, 53, 103, 153, 203]));
  });

  it('leaves alone the children Node spawned even when isOwnChild does not know them', async () => {
    const r = await underInit(['--own', '200', '--no-own-list'], ['--orphans', '500', '--exit', '7']);
    expect(r.status).toBe(7);
    expect(r.one('own.exits')).toMatchObject({ total: 200, wrong: [] });
    expect(r.one('burst')).toMatchObject({ left: 0 });
  });

  it('as a subreaper (not PID 1) gets the orphans back and reaps them', async () => {
    const r = await underInit([], ['--orphans', '300'], 'subreaper');
    expect(r.status).toBe(0);
    const init = r.one('init.start');
    expect(init.pid).not.toBe(1);
    expect(r.one('burst')).toMatchObject({ orphans: 300, orphanParents: [init.pid], left: 0, zombies: 0 });
  });

  it('ends a daemonized descendant at shutdown: SIGTERM, then reaped', async () => {
    const r = await underInit(['--log-level', 'debug'], ['--orphans', '10', '--daemon'], 'subreaper');
    const daemon = r.one('daemon');
    expect(r.one('adopted.ended')).toMatchObject({ pids: [daemon.pid], left: [] });
    expect(r.events('reaped').filter((l) => l.pid === daemon.pid)).toMatchObject([{ command: 'sleep', signal: 'SIGTERM' }]);
  });
});
