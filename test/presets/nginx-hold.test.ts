// While `nginx -T` runs, berth holds nginx's TCP addresses bound but not listening, so the test's
// own listening sockets never accept a client it would then reset (bench/head-to-head saw one
// such reset every few starts). Real sockets, real nginx.
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCommand } from '../../src/process/capture.js';
import { findOnPath } from '../../src/os/path-search.js';
import { inspectPresets } from '../../src/presets/index.js';
import { nginxAddresses } from '../../src/presets/nginx/hold.js';
import { holdAddresses } from '../../src/os/port-hold.js';
import { copyExample, servicesOf, type ExampleCopy } from '../fixtures/presets/example.js';
import { freePort } from '../helpers/net.js';

const PATH = process.env.PATH ?? '';
const nginx = findOnPath('nginx', PATH, '/');
const skipped = nginx ? '' : ' — SKIPPED: nginx not on PATH (apt-get install nginx-light)';

/** 'refused', or 'accepted' when something took the connection */
function tryConnect(port: number, host = '127.0.0.1'): Promise<'refused' | 'accepted' | string> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? e.message)));
  });
}

function listen(port: number, host = '127.0.0.1'): Promise<Server | string> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen(port, host, () => resolve(srv));
  });
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('holdAddresses', () => {
  it('holds a port bound and not listening: a client is refused, nobody else can listen, and release frees it', async () => {
    const port = await freePort();
    const hold = holdAddresses([{ host: '127.0.0.1', port }]);
    expect(hold.held).toEqual([{ host: '127.0.0.1', port }]);
    expect(await tryConnect(port)).toBe('refused');
    expect(await listen(port)).toBe('EADDRINUSE');
    hold.release();
    const srv = await listen(port);
    expect(typeof srv).toBe('object');
    await close(srv as Server);
  });

  it('holds nothing where a process already listens, and leaves that process alone', async () => {
    const srv = (await listen(0)) as Server;
    const port = (srv.address() as { port: number }).port;
    const hold = holdAddresses([{ host: '127.0.0.1', port }, { host: 'not-an-address', port }]);
    expect(hold.held).toEqual([]);
    expect(await tryConnect(port)).toBe('accepted');
    hold.release();
    await close(srv);
  });
});

describe.skipIf(!nginx)(`nginx -T under the hold${skipped}`, () => {
  let ex: ExampleCopy;
  let env: Record<string, string>;
  beforeAll(async () => {
    ex = copyExample({ port: await freePort() });
    env = { PATH, BERTH_EXAMPLE_DIR: ex.dir };
  });
  afterAll(() => ex.remove());

  it("reads the addresses from nginx's own files and the ready probe", () => {
    const svc = servicesOf(join(ex.dir, 'berth.yaml'), env).find((s) => s.name === 'nginx')!;
    expect(nginxAddresses(svc)).toEqual([
      { host: '0.0.0.0', port: ex.port },
      { host: '::', port: ex.port },
      { host: '127.0.0.1', port: ex.port },
    ]);
  });

  it('runs nginx -T with its port refusing clients, still accepts the config, and frees the port after', async () => {
    const seen: string[] = [];
    const r = await inspectPresets(servicesOf(join(ex.dir, 'berth.yaml'), env), {
      run: async (argv, opts) => {
        // what nginx -T meets: a client is refused, and the port cannot be listened on
        if (argv.includes('-T')) seen.push(await tryConnect(ex.port), String(await listen(ex.port)));
        return captureCommand(argv, opts);
      },
    });
    expect(seen).toEqual(['refused', 'EADDRINUSE']);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    const srv = await listen(ex.port);
    expect(typeof srv).toBe('object');
    await close(srv as Server);
  });
});
