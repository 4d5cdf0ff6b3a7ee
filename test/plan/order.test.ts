import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, orderServices } from '../../src/plan/index.js';
import type { ServicePlan } from '../../src/types.js';

const service = (name: string, after: string[] = []): ServicePlan => ({
  name,
  after,
  argv: [name],
  shell: false,
  cwd: '/',
  env: {},
  envKeys: [],
  requires: [],
  readyTimeoutMs: 60_000,
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 8_000,
  restart: 'never',
  maxRestarts: 5,
  minUptimeMs: 10_000,
  forward: ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'],
  main: false,
  dirs: [],
});

const names = (s: ServicePlan[]) => s.map((x) => x.name);

function problems(services: ServicePlan[]): string {
  try {
    orderServices(services, (p) => ({ file: '/app/berth.yaml', line: p.length, col: 1 }));
  } catch (e) {
    if (e instanceof ConfigError) return e.format('/app');
    throw e;
  }
  return 'ordered';
}

describe('orderServices', () => {
  it('keeps written order when nothing constrains it', () => {
    expect(names(orderServices([service('c'), service('a'), service('b')]))).toEqual(['c', 'a', 'b']);
  });

  it('moves a service only as far as its after needs', () => {
    expect(names(orderServices([service('nginx', ['php-fpm']), service('worker'), service('php-fpm'), service('cron', ['worker'])]))).toEqual([
      'worker',
      'php-fpm',
      'nginx',
      'cron',
    ]);
  });

  it('names the cycle from the first service written in it', () => {
    expect(problems([service('x'), service('b', ['c']), service('a', ['b']), service('c', ['a'])])).toBe('berth.yaml:3:1 services.b.after: cycle b → c → a → b');
  });

  it('names a service that is not there, with a suggestion', () => {
    expect(problems([service('nginx', ['php']), service('php-fpm'), service('app', ['db'])])).toBe(
      [
        'berth.yaml:3:1 services.nginx.after: unknown service "php"; did you mean "php-fpm"?',
        'berth.yaml:3:1 services.app.after: unknown service "db"; services are nginx and php-fpm',
      ].join('\n'),
    );
  });

  it('without a locator the messages still name the key', () => {
    try {
      orderServices([service('a', ['a'])]);
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).format()).toBe('services.a.after: a cannot come after itself');
    }
  });

  it('for any acyclic graph: a permutation where every service comes after what it names', () => {
    const graph = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)))),
    );
    fc.assert(
      fc.property(graph, (deps) => {
        const written = deps.map((after, i) => service(`s${i}`, after)).reverse(); // written in reverse: must reorder
        const ordered = names(orderServices(written));
        const at = new Map(ordered.map((n, i) => [n, i]));
        return ordered.length === written.length && written.every((s) => s.after.every((d) => at.get(d)! < at.get(s.name)!));
      }),
    );
  });
});
