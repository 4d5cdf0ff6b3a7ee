// `nginx -t` binds and listens on every address its configuration names, for the few ms it
// runs: a client that connects then is accepted by the test and reset when the test exits.
// nginx -t skips an address already in use, silently (so that it can run beside a live nginx),
// and still reports the rest: the kernel checks the address (EADDRNOTAVAIL) and the permission
// (EACCES, a port below 1024) before it checks the port's use. So while the test runs, berth
// holds every TCP address nginx will listen on, bound but not listening: a client is refused,
// as it is before anything starts. Which addresses: berth's own reading of nginx's files (the
// test's dump comes after), plus the service's ready probe.
import { READ_LIMITS, readTextBounded } from '../../os/read-bounded.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ServicePlan } from '../../types.js';
import { probeEndpoint, type Endpoint } from '../endpoint.js';
import { globFiles, hasMagic } from '../glob.js';
import { parseNginxConfig, tokenizeNginx } from './config.js';
import { readNginxFacts } from './targets.js';
import { runsAsRoot } from '../socket-access.js';
import type { HeldAddress } from '../../os/port-hold.js';

/** Where Debian's and the official image's nginx read their configuration without -c. */
const DEFAULT_CONF = '/etc/nginx/nginx.conf';
const MAX_FILES = 256;

/** The TCP addresses the test would listen on, as far as berth can tell before running it. */
export function nginxAddresses(service: ServicePlan): HeldAddress[] {
  const endpoints: Endpoint[] = [];
  const ready = service.ready && probeEndpoint(service.ready, service.cwd);
  if (ready) endpoints.push(ready);
  const main = mainConfig(service.argv.slice(1), service.cwd);
  if (main) {
    const files = readConfigFiles(main);
    if (files.size > 0) endpoints.push(...readNginxFacts(parseNginxConfig(main, files).directives, { root: runsAsRoot(service.user) }).listens.map((l) => l.endpoint));
  }
  const seen = new Set<string>();
  return endpoints.flatMap(addressesOf).filter((a) => !seen.has(`${a.host} ${a.port}`) && seen.add(`${a.host} ${a.port}`));
}

function addressesOf(e: Endpoint): HeldAddress[] {
  if (e.kind !== 'tcp') return []; // nginx -t unlinks a unix socket as soon as it is bound
  const hosts = e.host === undefined ? ['0.0.0.0', '::'] : e.host === 'localhost' ? ['127.0.0.1', '::1'] : [e.host];
  return hosts.map((host) => ({ host, port: e.port }));
}

/** -c (relative to -p), or nginx's compiled-in default; undefined when that needs a prefix berth does not know. */
function mainConfig(args: readonly string[], cwd: string): string | undefined {
  const value = (flag: string) => {
    const i = args.lastIndexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const conf = value('-c') ?? DEFAULT_CONF;
  if (isAbsolute(conf)) return conf;
  const prefix = value('-p');
  return prefix === undefined ? undefined : join(resolve(cwd, prefix), conf);
}

/** The main file and every file it includes, as `nginx -T` would print them. */
function readConfigFiles(main: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file) || files.size >= MAX_FILES) return;
    let text: string;
    try {
      text = readTextBounded(file, READ_LIMITS.presetConfig);
    } catch {
      return;
    }
    files.set(file, text);
    const tokens = tokenizeNginx(text);
    tokens.forEach((t, i) => {
      const pattern = tokens[i + 1];
      const start = i === 0 || tokens[i - 1]!.special;
      if (!start || t.special || t.text !== 'include' || !pattern || pattern.special) return;
      const full = isAbsolute(pattern.text) ? pattern.text : join(dirname(main), pattern.text);
      for (const f of hasMagic(full) ? globFiles(full) : [full]) visit(f);
    });
  };
  visit(main);
  return files;
}
