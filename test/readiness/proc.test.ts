import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootTimeMs, commandOf, descendants, processInfo, processStartTime, readProcessTree, trackTree } from '../../src/os/proc.js';
import { settledSocketInodes, tcpListeners, unixListeners } from '../../src/os/net.js';
import { listeningSockets, socketInodes, whoListensOn } from '../../src/os/sockets.js';
import { ownedByHidden } from '../../src/readiness/probes/tcp-owner.js';
import { addressServes } from '../../src/readiness/probes/tcp.js';
import { cleanup, startFixture, tempDir } from '../helpers/readiness.js';
import { freePort } from '../helpers/net.js';

afterEach(() => cleanup());

describe('processes', () => {
  it('reads pid, parent, command and state', () => {
    const me = processInfo(process.pid)!;
    expect(me).toMatchObject({ pid: process.pid, ppid: process.ppid, comm: expect.stringMatching(/node/) });
    expect(me.cmdline[0]).toBe(process.execPath);
    expect(commandOf(me)).toContain(process.execPath);
    expect(processInfo(2 ** 22 + 11)).toBeUndefined(); // no such process: an answer, not an error
  });

  it('names a process whose runtime named its main thread (Node 24: MainThread) from its command line; a self-chosen name stays', async () => {
    // Node 24 names every process's main thread MainThread; written here the way it does, on any Node
    const named = (name: string) => {
      const p = spawn(process.execPath, ['-e', `require('fs').writeFileSync('/proc/self/comm', '${name}'); console.log('named'); setInterval(() => {}, 1000)`]);
      return new Promise<typeof p>((resolve, reject) => {
        p.stdout.once('data', () => resolve(p));
        p.once('exit', () => reject(new Error(`${name}: the child exited`)));
      });
    };
    const [runtime, own] = await Promise.all([named('MainThread'), named('my-worker')]);
    try {
      expect(readFileSync(`/proc/${runtime.pid}/comm`, 'utf8').trim()).toBe('MainThread');
      expect(processInfo(runtime.pid!)!.comm).toBe(basename(process.execPath).slice(0, 15));
      expect(readProcessTree(runtime.pid!).processes[0]!.comm).toBe(basename(process.execPath).slice(0, 15));
      expect(processInfo(own.pid!)!.comm).toBe('my-worker');
    } finally {
      runtime.kill('SIGKILL');
      own.kill('SIGKILL');
    }
  });

  it('follows a tree down to its descendants', async () => {
    const svc = startFixture('listen.mjs', ['tcp', '127.0.0.1', '0', '--via-child']);
    const child = await svc.next((l) => l.event === 'listening', 'child listening');
    expect(descendants(svc.pid)).toEqual([child.pid]);
    const tree = readProcessTree(svc.pid);
    expect(tree.available).toBe(true);
    expect(tree.processes.map((p) => [p.pid, p.depth])).toEqual([[svc.pid, 0], [child.pid, 1]]);
    expect(trackTree(svc.pid).refresh()).toEqual([svc.pid, child.pid]);
    expect(readProcessTree(2 ** 22 + 11).processes).toEqual([]);
  });

  it('gives start times comparable with the clock', async () => {
    const boot = bootTimeMs()!;
    expect(boot).toBeLessThan(Date.now());
    const before = Date.now();
    const p = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const started = processStartTime(p.pid!)!;
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    // /proc/stat's btime is whole seconds, the start ticks are 10 ms
    expect(Math.abs(started - before)).toBeLessThan(2000);
    expect(processStartTime(p.pid!)).toBeUndefined();
    expect(processStartTime(process.pid)).toBe(processStartTime(process.pid)); // stable: the same answer each time
  });
});

describe('sockets', () => {
  it('lists what each process listens on: tcp, tcp6 and unix, with their fds', async () => {
    const v4 = startFixture('listen.mjs', ['tcp', '127.0.0.1', '0']);
    const v6 = startFixture('listen.mjs', ['tcp', '::1', '0']);
    const sock = join(tempDir(), 'l.sock');
    const ux = startFixture('listen.mjs', ['unix', sock]);
    const [a, b] = await Promise.all([v4.next((l) => l.event === 'listening', 'v4'), v6.next((l) => l.event === 'listening', 'v6'), ux.next((l) => l.event === 'listening', 'unix')]);
    const got = listeningSockets([v4.pid, v6.pid, ux.pid]);
    expect(got.available).toBe(true);
    expect(got.byPid.get(v4.pid)).toEqual([expect.objectContaining({ proto: 'tcp', address: '127.0.0.1', port: a!.port, pid: v4.pid, fd: expect.any(Number) })]);
    expect(got.byPid.get(v6.pid)).toEqual([expect.objectContaining({ proto: 'tcp6', address: '::1', port: b!.port })]);
    expect(got.byPid.get(ux.pid)).toEqual([expect.objectContaining({ proto: 'unix', address: sock })]);
    expect(unixListeners().some((l) => l.address === sock)).toBe(true);
    const inodes = socketInodes(v4.pid);
    expect(inodes instanceof Map && inodes.has(got.byPid.get(v4.pid)![0]!.inode)).toBe(true);
  });

  it('finds who listens on a port, whatever tree it is in', async () => {
    const port = await freePort();
    const svc = startFixture('listen.mjs', ['tcp', '0.0.0.0', String(port)]);
    await svc.next((l) => l.event === 'listening', 'listening');
    const who = whoListensOn(port);
    expect(who.listeners).toEqual([expect.objectContaining({ pid: svc.pid, address: '0.0.0.0', port, process: expect.objectContaining({ comm: expect.stringMatching(/node/) }) })]);
    expect(whoListensOn(await freePort())).toEqual({ available: true, listeners: [], unowned: [] });
    expect(tcpListeners(port)).toHaveLength(1);
  });

  it('rules out unix sockets: they can never become a tcp listener', async () => {
    const svc = startFixture('listen.mjs', ['unix', join(tempDir(), 'x.sock')]);
    await svc.next((l) => l.event === 'listening', 'listening');
    const mine = socketInodes(svc.pid) as Map<number, number>;
    const settled = settledSocketInodes();
    expect([...mine.keys()].some((i) => settled.has(i))).toBe(true);
  });
});

describe('tcp ownership rules', () => {
  it('matches the address asked for', () => {
    expect(addressServes(undefined, '10.0.0.5')).toBe(true);
    expect(addressServes('127.0.0.1', '0.0.0.0')).toBe(true);
    expect(addressServes('127.0.0.1', '::')).toBe(true);
    expect(addressServes('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(addressServes('127.0.0.1', '10.0.0.5')).toBe(false);
    expect(addressServes('::1', '0.0.0.0')).toBe(false);
    expect(addressServes('localhost', '::1')).toBe(true);
  });

  it('falls back to the socket owner uid where /proc hides a process fds', () => {
    const onPort = [{ proto: 'tcp' as const, address: '0.0.0.0', port: 80, inode: 5, uid: 33 }];
    expect(ownedByHidden(onPort, [12], () => 33)).toBe(true);
    expect(ownedByHidden(onPort, [12], () => 1000)).toBe(false);
    expect(ownedByHidden(onPort, [], () => 33)).toBe(false);
  });
});
