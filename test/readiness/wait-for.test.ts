import { writeFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { toWaitOnResource, waitForResources } from '../../src/lifecycle/wait-for.js';
import type { EventLog } from '../../src/types.js';
import { cleanup, tempDir, withDeadline } from '../helpers/readiness.js';
import { freePort } from '../helpers/net.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await cleanup();
});

const listen = (s: Server, ...args: unknown[]) =>
  new Promise<Server>((resolve) => {
    servers.push(s);
    (s.listen as (...a: unknown[]) => void)(...args, () => resolve(s));
  });

function recorder(): EventLog & { events: Array<{ event: string; fields: Record<string, unknown> }> } {
  const events: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const put = (event: string, fields: Record<string, unknown>) => void events.push({ event, fields });
  return { events, trace: put, debug: put, info: put, warn: put, error: put };
}

it('maps berth resources to wait-on forms', () => {
  expect(['tcp://db:5432', 'tcp:db:5432', 'tcp://[::1]:5432/', 'unix:/run/x.sock', 'file:/tmp/f', 'http://a/b', 'https://a/b', 'socket:/s', 'ftp://x'].map(toWaitOnResource)).toEqual([
    'tcp:db:5432',
    'tcp:db:5432',
    'tcp:[::1]:5432',
    'socket:/run/x.sock',
    'file:/tmp/f',
    'http-get://a/b',
    'https-get://a/b',
    'socket:/s',
    undefined,
  ]);
});

it('resolves once every resource is up', async () => {
  const dir = tempDir();
  const sock = join(dir, 'db.sock');
  const file = join(dir, 'flag');
  const tcp = await listen(createServer((c) => c.destroy()), 0, '127.0.0.1');
  const http = await listen(createHttp((_q, r) => r.end('ok')) as unknown as Server, 0, '127.0.0.1');
  const log = recorder();
  const waiting = waitForResources(
    [`tcp://127.0.0.1:${(tcp.address() as { port: number }).port}`, `http://127.0.0.1:${(http.address() as { port: number }).port}/`, `unix:${sock}`, `file:${file}`],
    20_000,
    { log },
  );
  await listen(createServer((c) => c.destroy()), sock);
  writeFileSync(file, 'x');
  expect(await withDeadline(waiting, 20_000, 'all up')).toEqual({ ok: true });
  expect(log.events.filter((e) => e.event === 'wait.resource')).toHaveLength(4);
});

it('names the resources still down at the deadline', async () => {
  const port = await freePort();
  const up = await listen(createServer((c) => c.destroy()), 0, '127.0.0.1');
  const upRes = `tcp://127.0.0.1:${(up.address() as { port: number }).port}`;
  const started = Date.now();
  const r = await waitForResources([upRes, `tcp://127.0.0.1:${port}`, `unix:${join(tempDir(), 'none.sock')}`], 600);
  expect(r).toEqual({ ok: false, pending: [`tcp://127.0.0.1:${port}`, expect.stringMatching(/^unix:.*none\.sock$/)] });
  expect(Date.now() - started).toBeLessThan(5000);
});

it('stops at once when aborted', async () => {
  const ac = new AbortController();
  const port = await freePort();
  const waiting = waitForResources([`tcp://127.0.0.1:${port}`], 0, { signal: ac.signal });
  ac.abort();
  expect(await withDeadline(waiting, 3000, 'abort honoured')).toEqual({ ok: false, pending: [`tcp://127.0.0.1:${port}`], aborted: true });
});

it('reports a resource it cannot understand instead of waiting for it', async () => {
  const log = recorder();
  expect(await waitForResources(['ftp://example'], 60_000, { log })).toEqual({ ok: false, pending: ['ftp://example'] });
  expect(log.events[0]).toMatchObject({ event: 'wait.invalid', fields: { resource: 'ftp://example' } });
});
