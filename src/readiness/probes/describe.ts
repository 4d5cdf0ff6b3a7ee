// A probe as text, the one way: `berth plan`, a service's state and `ready.timeout` agree.
import type { Probe } from '../../types.js';
import { joinShellWords } from '../../config/shell-words.js';

/** The probe as a person would write it: "unix:/run/php/fpm.sock", "tcp:127.0.0.1:80". */
export function describeProbe(probe: Probe): string {
  switch (probe.kind) {
    case 'unix':
    case 'file':
      return `${probe.kind}:${probe.path}`;
    case 'tcp':
      return probe.host === undefined ? `tcp:${probe.port}` : `tcp:${probe.host.includes(':') && !probe.host.startsWith('[') ? `[${probe.host}]` : probe.host}:${probe.port}`;
    case 'http':
      return probe.status === undefined ? shownUrl(probe.url) : `${shownUrl(probe.url)} (status ${probe.status})`;
    case 'exec':
      return `exec: ${joinShellWords(probe.argv)}`;
    case 'log':
      return `log: /${probe.regex}/`;
    case 'fastcgi':
      return `fastcgi: ${probe.address} ${probe.path}${probe.expect === undefined ? '' : ` expecting "${probe.expect}"`}`;
  }
}

/**
 * An http probe's URL as berth shows it (events, `/readyz`, `berth plan`): a password in it
 * (`http://user:password@…`, sent as basic authentication) is ***.
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}
