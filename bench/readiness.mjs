#!/usr/bin/env node
// Readiness detection: how long after a service's socket starts to accept does the world know?
// berth: from the service's listen() callback to the ready file appearing (fs.watch on its
// directory, in this process). wait-on (node_modules/wait-on): from the same moment to its
// promise resolving, its API in this process, with its default options (interval 250 ms) and
// at its fastest interval (1 ms); and, the same hops as berth's figure, wait-on at 1 ms in a
// process of its own that then writes a ready file, as an entrypoint script would.
// Side by side: each start runs every contender in turn, for a unix socket and tcp ports.
//
//   npm run build && node bench/readiness.mjs [N=200]       (or N=50 node bench/readiness.mjs)
//   KINDS=unix,tcp,tcp6 (the default): a unix socket, a port on 127.0.0.1, a port on ::
//
// Clock: process.hrtime.bigint() in the service and here. It is CLOCK_MONOTONIC, one clock
// for every process on a Linux host, in ns; checked below before anything is measured.
// Target (CONTRACT §5): p50 <= 5 ms, p99 <= 25 ms. Method and figures: docs/BENCHMARKS.md.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, watch } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import waitOn from 'wait-on';
import { fmt, percentile, table } from './lib.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVICE = join(REPO, 'test/fixtures/e2e-readiness/service.mjs');
const N = Number(process.argv[2] ?? process.env.N ?? 200);
const TRIAL_DEADLINE_MS = 20_000;
const now = () => process.hrtime.bigint();
const ms = (ns) => Number(ns) / 1e6;

const CONTENDERS = {
  berth: (target) => viaBerth(target),
  'wait-on, defaults': (target) => viaWaitOn(target, {}),
  'wait-on, interval 1 ms': (target) => viaWaitOn(target, { interval: 1 }),
  'wait-on, interval 1 ms, own process, writes a ready file': (target) => viaWaitOnProcess(target, 1),
};
// tcp: a service on 127.0.0.1 (in /proc/net/tcp); tcp6: on :: (Node's default listen(port), in /proc/net/tcp6)
const KINDS = (process.env.KINDS ?? 'unix,tcp,tcp6').split(',');
let work; // the run's temp dir
let BERTH; // berth/bin/berth.js, copied into work
let connects = 0; // wait-on's net.connect calls during one start (in this process only)
let missedEvents = 0; // starts where fs.watch said nothing and the safety poll found the file
let made = 0;

async function main() {
  checkSharedClock();
  work = mkdtempSync(join(tmpdir(), 'berth-bench-ready-'));
  BERTH = snapshotBerth(work);
  // wait-on calls net.connect for tcp: and socket: resources: count its attempts per start
  const connect = net.connect;
  net.connect = (...args) => {
    connects++;
    return connect(...args);
  };
  const results = new Map(); // "kind|contender" → { delays: [], connects: [] }
  try {
    for (let i = 0; i < N; i++) {
      for (const kind of KINDS) {
        for (const [name, run] of Object.entries(CONTENDERS)) {
          const target = await makeTarget(kind);
          connects = 0;
          const delay = await run(target);
          const r = results.get(`${kind}|${name}`) ?? { delays: [], connects: [] };
          r.delays.push(delay);
          r.connects.push(connects);
          results.set(`${kind}|${name}`, r);
        }
      }
      if ((i + 1) % 20 === 0) process.stderr.write(`${i + 1}/${N} starts\n`);
    }
  } finally {
    net.connect = connect;
    rmSync(work, { recursive: true, force: true });
  }
  const rows = [...results].map(([key, { delays, connects: c }]) => {
    const [kind, name] = key.split('|');
    const counted = name.startsWith('wait-on') && !name.includes('own process');
    return [kind, name, fmt(percentile(delays, 50), 2), fmt(percentile(delays, 99), 2), fmt(Math.max(...delays), 2), counted ? fmt(percentile(c, 50), 0) : '—'];
  });
  console.log(`readiness detection, ${N} starts per row, Node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('delay from the service listen() callback to: the ready file appearing (berth, wait-on in its own process); wait-on resolving (wait-on in this process)\n');
  console.log(table(['probe', 'detector', 'p50 ms', 'p99 ms', 'max ms', 'connects per start (median)'], rows));
  if (missedEvents) console.log(`\n${missedEvents} start(s) where fs.watch missed the ready file: timed by a 50 ms poll instead`);
}

/** A fresh socket path or port for one start. */
async function makeTarget(kind) {
  if (kind === 'unix') {
    const path = join(work, `s${++made}.sock`);
    return { kind, probe: `unix:${path}`, waitOn: `socket:${path}`, service: ['unix', path] };
  }
  const port = await freePort();
  if (kind === 'tcp6') return { kind, probe: `tcp:${port}`, waitOn: `tcp:127.0.0.1:${port}`, service: ['tcp', '::', String(port)] };
  return { kind, probe: `tcp:127.0.0.1:${port}`, waitOn: `tcp:127.0.0.1:${port}`, service: ['tcp', '127.0.0.1', String(port)] };
}

/** The service listens 0-25 ms after it is up, so that the samples cover every phase of a poll. */
function serviceArgv(target) {
  return [process.execPath, SERVICE, ...target.service, '--delay', String(Math.floor(Math.random() * 25))];
}

/** berth starts the service; the ready file's appearance is timed here, the listen() in the service. */
async function viaBerth(target) {
  const dir = mkdtempSync(join(work, 'run-'));
  const file = watchFor(join(dir, 'ready'));
  const berth = spawn(process.execPath, [BERTH, '--ready-file', file.path, '--ready', target.probe, '--', ...serviceArgv(target)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => berth.once('close', resolve));
  try {
    const listened = await lineOf(berth, (l) => l.event === 'listening' && l.service === 'node', exited);
    return ms((await file.appeared(exited)) - BigInt(listened.hr));
  } finally {
    file.close();
    berth.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    if (target.kind === 'unix') rmSync(target.service[1], { force: true }); // process.exit leaves the socket file
  }
}

/** The service runs alone; wait-on starts polling the moment it is spawned, as berth's probe does. */
async function viaWaitOn(target, options) {
  const [file, ...args] = serviceArgv(target);
  const service = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => service.once('close', resolve));
  try {
    const up = waitOn({ resources: [target.waitOn], ...options }).then(() => now());
    const listened = lineOf(service, (l) => l.event === 'listening', exited);
    const at = await within(up, 'wait-on');
    return ms(at - BigInt((await listened).hr));
  } finally {
    service.kill('SIGKILL');
    await exited;
    if (target.kind === 'unix') rmSync(target.service[1], { force: true });
  }
}

// What an entrypoint script does with wait-on: `wait-on … && write the ready file`, in a
// process of its own, as berth is. It polls before the service is started, so that its own
// start-up is not counted against it.
const WAIT_ON_THEN_WRITE = `
const [waitOnPath, resource, ready, interval] = process.argv.slice(1);
const { writeFileSync, renameSync } = require('node:fs');
require(waitOnPath)({ resources: [resource], interval: Number(interval) }).then(() => {
  writeFileSync(ready + '.tmp', '{}');
  renameSync(ready + '.tmp', ready);
});
process.stdout.write('{"event":"polling"}\\n');
`;

/** wait-on in its own process writes the ready file: the same hops as berth's figure. */
async function viaWaitOnProcess(target, interval) {
  const dir = mkdtempSync(join(work, 'run-'));
  const file = watchFor(join(dir, 'ready'));
  const waiter = spawn(process.execPath, ['-e', WAIT_ON_THEN_WRITE, join(REPO, 'node_modules/wait-on'), target.waitOn, file.path, String(interval)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiterExited = new Promise((resolve) => waiter.once('close', resolve));
  let service;
  let serviceExited;
  try {
    await lineOf(waiter, (l) => l.event === 'polling', waiterExited);
    const [cmd, ...args] = serviceArgv(target);
    service = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    serviceExited = new Promise((resolve) => service.once('close', resolve));
    const listened = await lineOf(service, (l) => l.event === 'listening', serviceExited);
    return ms((await file.appeared(waiterExited)) - BigInt(listened.hr));
  } finally {
    file.close();
    waiter.kill('SIGKILL');
    service?.kill('SIGKILL');
    await Promise.all([waiterExited, serviceExited]);
    rmSync(dir, { recursive: true, force: true });
    if (target.kind === 'unix') rmSync(target.service[1], { force: true });
  }
}

/**
 * When this process first sees the file at path: from fs.watch on its directory (inotify: no
 * polling of ours on the clock), or a look when we start waiting for it. A slow poll only makes
 * sure a missed event cannot hang the run; a start where it was needed is counted and reported.
 */
function watchFor(path) {
  let seen;
  const watcher = watch(dirname(path), () => {
    if (seen === undefined && existsSync(path)) seen = now();
  });
  return {
    path,
    appeared: (exited) =>
      within(
        new Promise((resolve, reject) => {
          const check = (byPoll) => {
            if (seen === undefined && existsSync(path)) {
              seen = now(); // first seen here, not by the watcher: its event is still queued, or lost
              if (byPoll) missedEvents++;
            }
            if (seen !== undefined) {
              clearInterval(timer);
              resolve(seen);
            }
          };
          const timer = setInterval(() => check(true), 50);
          watcher.on('change', () => setImmediate(check));
          check(false);
          exited.then(() => (clearInterval(timer), reject(new Error(`${path}: its writer exited before it appeared`))));
        }),
        path,
      ),
    close: () => watcher.close(),
  };
}

function lineOf(child, pred, exited) {
  return within(
    new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (text) => {
        try {
          const l = JSON.parse(text);
          if (pred(l)) resolve(l);
        } catch {
          // not JSON: not ours
        }
      });
      exited.then((code) => reject(new Error(`pid ${child.pid} exited (${code}) before the line we wait for`)));
    }),
    'the listening line',
  );
}

function within(promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${TRIAL_DEADLINE_MS} ms`)), TRIAL_DEADLINE_MS))),
  ]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** hrtime taken in a child must fall between ours before and after it ran: one clock for both. */
function checkSharedClock() {
  for (let i = 0; i < 5; i++) {
    const before = now();
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.hrtime.bigint()))']);
    const after = now();
    const theirs = BigInt(r.stdout.toString());
    if (theirs < before || theirs > after) throw new Error('process.hrtime is not one clock across processes here: the delays cannot be measured this way');
  }
}

/** berth as built now, copied: a rebuild during the run (which empties dist/) must not break it. */
function snapshotBerth(into) {
  const root = join(into, 'berth');
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(REPO, part), join(root, part), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return join(root, 'bin/berth.js');
}

await main();
