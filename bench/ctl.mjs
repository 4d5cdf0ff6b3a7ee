// `berth ctl status` beside `supervisorctl status`, in the same run, on the same services.
//
// Two measures, each interleaved (berth, supervisor, berth, …) so both meet the same machine:
// - the command a person types: a new process each time (Node for berth ctl, Python for
//   supervisorctl), connecting, asking for every process's status, printing it;
// - the protocol alone, from one long-lived client: berth's JSON line over its unix socket,
//   supervisord's XML-RPC getAllProcessInfo over its unix socket.
// Five `sleep` services under each. Run with: flock /work/wt/bench.lock node bench/ctl.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, killAllTracked, percentile, sleep, spawnTracked, table, timeRun } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BERTH = join(ROOT, 'bin/berth.js');
const CLI_RUNS = Number(process.env.CTL_RUNS ?? 200);
const RPC_RUNS = Number(process.env.RPC_RUNS ?? 2000);
const SERVICES = 5;
const BODY = '<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>';

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-ctl-'));
const control = join(dir, 'run', 'control.sock');
const supSock = join(dir, 'supervisor.sock');
try {
  writeFileSync(join(dir, 'berth.yaml'), `control: ${control}\nreadyFile: ${join(dir, 'run', 'ready')}\nservices:\n${Array.from({ length: SERVICES }, (_, i) => `  s${i}:\n    command: [sleep, "100000"]\n`).join('')}`);
  writeFileSync(
    join(dir, 'supervisord.conf'),
    [
      `[unix_http_server]\nfile=${supSock}\nchmod=0700`,
      `[supervisord]\nnodaemon=true\nlogfile=${join(dir, 'supervisord.log')}\npidfile=${join(dir, 'supervisord.pid')}\nchildlogdir=${dir}`,
      '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      `[supervisorctl]\nserverurl=unix://${supSock}`,
      ...Array.from({ length: SERVICES }, (_, i) => `[program:s${i}]\ncommand=sleep 100000\nautorestart=true\nstartsecs=0`),
    ].join('\n\n') + '\n',
  );
  spawnTracked(process.execPath, [BERTH, '-c', join(dir, 'berth.yaml')], { stdio: 'ignore', env: { ...process.env, BERTH_CONTROL: undefined } });
  spawnTracked('supervisord', ['-c', join(dir, 'supervisord.conf')], { stdio: 'ignore' });
  const berthCli = [process.execPath, BERTH, 'ctl', '--control', control, 'status'];
  const supCli = ['supervisorctl', '-c', join(dir, 'supervisord.conf'), 'status'];
  await until(() => spawnSync(berthCli[0], berthCli.slice(1)).status === 0 && /(RUNNING[\s\S]*){5}/.test(spawnSync(supCli[0], supCli.slice(1), { encoding: 'utf8' }).stdout));

  // the command a person types
  const cli = { berth: [], supervisor: [] };
  for (let i = 0; i < 10; i++) timeRun(berthCli), timeRun(supCli);
  for (let i = 0; i < CLI_RUNS; i++) {
    cli.berth.push(timeRun(berthCli));
    cli.supervisor.push(timeRun(supCli));
  }

  // the protocol alone, one client
  const rpc = { berth: [], supervisor: [] };
  const line = await lineClient(control);
  for (let i = 0; i < 50; i++) await line('{"v":1,"cmd":"status"}'), await xmlRpc(supSock);
  for (let i = 0; i < RPC_RUNS; i++) {
    rpc.berth.push(await timed(() => line('{"v":1,"cmd":"status"}')));
    rpc.supervisor.push(await timed(() => xmlRpc(supSock)));
  }

  const row = (what, b, s) => [what, fmt(percentile(b, 50), 2), fmt(percentile(b, 99), 2), fmt(percentile(s, 50), 2), fmt(percentile(s, 99), 2), `${fmt(percentile(b, 50) / percentile(s, 50), 2)}x`];
  console.log(`\n${SERVICES} services each; ${CLI_RUNS} command runs and ${RPC_RUNS} protocol round trips per side, interleaved; ms\n`);
  console.log(
    table(
      ['measure', 'berth p50', 'berth p99', 'supervisor p50', 'supervisor p99', 'berth / supervisor (p50)'],
      [row('`berth ctl status` vs `supervisorctl status` (new process each)', cli.berth, cli.supervisor), row('protocol round trip (JSON line vs XML-RPC getAllProcessInfo)', rpc.berth, rpc.supervisor)],
    ),
  );
  console.log(`\nnode ${process.version}; ${spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).stdout.trim() ? `supervisord ${spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).stdout.trim()}` : ''}`);
} finally {
  killAllTracked();
  rmSync(dir, { recursive: true, force: true });
}

async function until(check, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('berth or supervisord did not come up');
    await sleep(100);
  }
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** one connection; each call sends a line and resolves with the reply line */
function lineClient(path) {
  return new Promise((resolve) => {
    const s = connect(path, () => resolve((req) => new Promise((done) => {
      pending = done;
      s.write(`${req}\n`);
    })));
    let buf = '';
    let pending;
    s.setEncoding('utf8').on('data', (c) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const reply = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!JSON.parse(reply).ok) throw new Error(reply);
      pending(reply);
    });
  });
}

function xmlRpc(socketPath) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/RPC2', method: 'POST', headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(BODY) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 && body.includes('statename') ? resolve(body) : reject(new Error(`${res.statusCode} ${body.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}
