import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startHealthServer, type HealthServer, type HealthState } from '../../src/readiness/health.js';
import { withDeadline } from '../helpers/readiness.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function call(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves /livez and /readyz, 503 with each service until all are ready', async () => {
  let state: HealthState = { ready: false, services: { db: { state: 'ready', ready: true }, app: { state: 'starting', ready: false } } };
  server = await startHealthServer({ host: '127.0.0.1', port: 0, state: () => state });
  expect(await call(server.port, '/livez')).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
  const notReady = await call(server.port, '/readyz');
  expect(notReady.status).toBe(503);
  expect(JSON.parse(notReady.body)).toEqual({ status: 'not ready', services: state.services });
  expect(notReady.headers['content-type']).toBe('application/json');
  state = { ready: true, services: { db: { state: 'ready', ready: true }, app: { state: 'ready', ready: true } } };
  expect((await call(server.port, '/readyz?verbose=1')).status).toBe(200);
});

it('answers nothing else, and never echoes the environment, commands or the request', async () => {
  process.env.BERTH_TEST_SECRET = 's3cr3t-value';
  const state = () => ({ ready: false, services: { app: { state: 'starting', ready: false, command: 'yarn start', env: { X: 's3cr3t-value' } } as never } });
  server = await startHealthServer({ host: '127.0.0.1', port: 0, state });
  const answers = await Promise.all([
    call(server.port, '/'),
    call(server.port, '/env'),
    call(server.port, '/readyz/../env'),
    call(server.port, '/s3cr3t-value'),
    call(server.port, '/livez', 'POST'),
    call(server.port, '/readyz', 'DELETE'),
    call(server.port, '/readyz'),
  ]);
  expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 405, 405, 503]);
  for (const a of answers) {
    expect(a.body).not.toContain('s3cr3t');
    expect(a.body).not.toContain('yarn');
    expect(a.body).not.toContain('PATH');
  }
  expect(JSON.parse(answers[6]!.body)).toEqual({ status: 'not ready', services: { app: { state: 'starting', ready: false } } });
  delete process.env.BERTH_TEST_SECRET;
});

it('drops a client that never finishes its headers (slow loris)', async () => {
  server = await startHealthServer({ host: '127.0.0.1', port: 0, state: () => ({ ready: true, services: {} }), headersTimeoutMs: 300 });
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await withDeadline(closed, 5000, 'server closes the slow connection');
});

it('refuses oversized headers', async () => {
  server = await startHealthServer({ host: '127.0.0.1', port: 0, state: () => ({ ready: true, services: {} }) });
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d) => (answer += d));
  socket.write(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  await withDeadline(new Promise<void>((resolve) => socket.on('close', () => resolve())), 5000, 'server closes');
  expect(answer).not.toContain('200 OK');
});

it('says which address is taken', async () => {
  server = await startHealthServer({ host: '127.0.0.1', port: 0, state: () => ({ ready: true, services: {} }) });
  await expect(startHealthServer({ host: '127.0.0.1', port: server.port, state: () => ({ ready: true, services: {} }) })).rejects.toThrow(`health server cannot listen on 127.0.0.1:${server.port}: the address is already in use`);
});
