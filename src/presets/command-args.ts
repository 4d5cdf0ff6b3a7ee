// The php-fpm and nginx command-line options a preset must honour, so that preflight tests
// the same configuration the service will run with.

export interface FpmArgs {
  /** -y / --fpm-config */
  config?: string;
  /** -p / --prefix */
  prefix?: string;
  /** -F / --nodaemonize */
  foreground: boolean;
  /** -D / --daemonize */
  daemonize: boolean;
  /** the arguments for `php-fpm -tt`: the service's own, without the run-mode flags */
  testArgs: string[];
}

const FPM_VALUE_OPTS: Record<string, 'config' | 'prefix' | undefined> = { '-y': 'config', '--fpm-config': 'config', '-p': 'prefix', '--prefix': 'prefix' };
const FPM_TAKES_VALUE = new Set(['-y', '--fpm-config', '-p', '--prefix', '-c', '-d', '-g', '--pid']);
const FPM_RUN_MODE = new Set(['-F', '--nodaemonize', '-D', '--daemonize', '-O', '--force-stderr', '-t', '--test']);

export function readFpmArgs(args: readonly string[]): FpmArgs {
  const out: FpmArgs = { foreground: false, daemonize: false, testArgs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-F' || a === '--nodaemonize') out.foreground = true;
    if (a === '-D' || a === '--daemonize') out.daemonize = true;
    if (FPM_RUN_MODE.has(a) || a === '-tt') continue;
    out.testArgs.push(a);
    let opt = a;
    let value: string | undefined;
    const eq = /^(--[\w-]+)=(.*)$/.exec(a);
    const glued = /^(-[yp])(.+)$/.exec(a);
    if (eq) [opt, value] = [eq[1]!, eq[2]!];
    else if (glued) [opt, value] = [glued[1]!, glued[2]!];
    else if (FPM_TAKES_VALUE.has(a) && i + 1 < args.length) {
      value = args[++i]!;
      out.testArgs.push(value);
    }
    const key = FPM_VALUE_OPTS[opt];
    if (key && value !== undefined) out[key] = value;
  }
  out.testArgs.push('-tt');
  return out;
}

export interface NginxArgs {
  /** every -g value, joined */
  globals: string;
  /** the arguments for `nginx -T` */
  testArgs: string[];
}

const NGINX_TAKES_VALUE = new Set(['-c', '-p', '-g', '-e', '-s']);

export function readNginxArgs(args: readonly string[]): NginxArgs {
  const out: NginxArgs = { globals: '', testArgs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = NGINX_TAKES_VALUE.has(a) ? args[i + 1] : undefined;
    if (NGINX_TAKES_VALUE.has(a)) i++;
    if (a === '-g' && value !== undefined) out.globals += ` ${value}`;
    if (a === '-s' || /^-[tTqvV?h]+$/.test(a)) continue; // run modes: preflight picks its own
    out.testArgs.push(a, ...(value !== undefined ? [value] : []));
  }
  out.testArgs.push('-T');
  return out;
}
