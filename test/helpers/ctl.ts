// `berth ctl …` as a user runs it, and a berth to talk to with its own control socket.
import type { StatusSnapshot } from '../../src/control/target.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BERTH_COMMAND, startBerth, tempDir, type Berth } from './berth.js';

export interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `berth ctl ARGS` to its end (wrap: e.g. setpriv to run it as another user). */
export function runCtl(args: string[], opts: { control?: string; wrap?: string[]; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CtlResult> {
  const argv = [...(opts.wrap ?? []), ...BERTH_COMMAND, 'ctl', ...(opts.control ? ['--control', opts.control] : []), ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, BERTH_CONTROL: undefined, BERTH_CONFIG: undefined, ...opts.env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`berth ctl ${args.join(' ')} did not end within ${opts.timeoutMs ?? 30_000} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `berth ctl ARGS` running (logs --follow): its output so far, and a wait for more. */
export function spawnCtl(args: string[], opts: { control?: string; wrap?: string[] } = {}) {
  const argv = [...(opts.wrap ?? []), ...BERTH_COMMAND, 'ctl', ...(opts.control ? ['--control', opts.control] : []), ...args];
  const p = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, BERTH_CONTROL: undefined } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  p.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    waiters.forEach((w) => w());
  });
  p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null }>((resolve) => p.on('close', (code) => resolve({ code })));
  return {
    proc: p,
    stdout: () => stdout,
    exited,
    waitForOutput(re: RegExp, timeoutMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(stdout)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          p.kill('SIGKILL');
          reject(new Error(`berth ctl ${args.join(' ')}: no output matching ${re} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export interface Controlled {
  berth: Berth;
  control: string;
  dir: string;
  ctl(args: string[], opts?: Parameters<typeof runCtl>[1]): Promise<CtlResult>;
  /** `berth ctl status --json`, parsed */
  status(): Promise<{ berth: StatusSnapshot['berth']; services: Record<string, unknown>[]; tasks: Record<string, unknown>[]; jobs: unknown[] }>;
  cleanup(): void;
}

/** A berth running `config` (YAML text; CONTROL and DIR are replaced) with a control socket in a temp dir. */
export function startControlled(config: string, opts: { env?: Record<string, string | undefined>; wrap?: string[]; args?: string[]; before?: (dir: string) => void } = {}): Controlled {
  const t = tempDir('berth-ctl-test-');
  opts.before?.(t.dir);
  const control = join(t.dir, 'run', 'control.sock');
  const file = t.write('berth.yaml', config.replaceAll('CONTROL', control).replaceAll('DIR', t.dir));
  const berth = startBerth(['-c', file, '--ready-file', join(t.dir, 'run', 'ready'), ...(opts.args ?? [])], { env: { BERTH_CONTROL: undefined, ...opts.env }, wrap: opts.wrap });
  const ctl = (args: string[], o: Parameters<typeof runCtl>[1] = {}) => runCtl(args, { control, ...o });
  return {
    berth,
    control,
    dir: t.dir,
    ctl,
    async status() {
      const r = await ctl(['status', '--json']);
      if (r.code !== 0) throw new Error(`berth ctl status exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Awaited<ReturnType<Controlled['status']>>;
    },
    cleanup: t.cleanup,
  };
}
