// health.listen under load it did not ask for: old keep-alive connections never lock a new
// probe out (real sockets against the real berth).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startBerth, tempDir, type Berth } from '../helpers/berth.js';
import { stopAndTime, until } from '../helpers/faults.js';
import { freePort } from '../helpers/net.js';

let t: ReturnType<typeof tempDir>;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
let b: Berth | undefined;
beforeAll(() => (t = tempDir('berth-health-starve-')));
afterEach(() => {
  for (const x of timers.splice(0)) clearInterval(x);
  for (const s of sockets.splice(0)) s.destroy();
  b?.kill('SIGKILL');
});
afterAll(() => t.cleanup());

const livez = 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n';

/** A well-behaved keep-alive client: asks /livez on one connection every second; counts answers. */
function politeClient(port: number): { socket: Socket; answers: () => number } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let answers = 0;
  socket.on('data', (d) => (answers += (d.toString('latin1').match(/HTTP\/1\.1 200/g) ?? []).length));
  socket.on('error', () => {});
  socket.write(livez);
  timers.push(setInterval(() => !socket.destroyed && socket.write(livez), 1000));
  return { socket, answers: () => answers };
}

/** A new probe, as kubelet makes one: its status, or 0 when not answered within timeoutMs. */
function probe(port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    let text = '';
    const timer = setTimeout(() => (s.destroy(), resolve(0)), timeoutMs);
    s.on('data', (d) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) (clearTimeout(timer), s.destroy(), resolve(Number(m[1])));
    });
    s.on('error', () => (clearTimeout(timer), resolve(0)));
    s.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}

it('64 keep-alive clients polling /livez hold every slot: a new probe is still answered within 1 s, five times over', async () => {
  const port = await freePort();
  const cfg = t.write('health.yaml', `health: { listen: "127.0.0.1:${port}" }\nservices:\n  app: { command: [sleep, "60"] }\n`);
  b = startBerth(['-c', cfg], { env: { BERTH_READY_FILE: `${t.dir}/ready` } });
  await b.waitForEvent('ready');
  const clients = Array.from({ length: 64 }, () => politeClient(port));
  await until(() => clients.every((c) => c.answers() >= 1), 10_000, 'every polite client answered once');
  for (let i = 0; i < 5; i++) expect(await probe(port, 1000), `probe ${i + 1}`).toBe(200);
  // the endpoint stays bounded: the clients that made room were closed, not kept beside the newcomers
  expect(clients.filter((c) => !c.socket.destroyed).length).toBeLessThanOrEqual(64);
  expect((await stopAndTime(b)).code).toBe(0);
});
