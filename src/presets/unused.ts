// php-fpm or nginx written as a plain command: berth runs it, but checks none of what its
// preset would (the zz-docker.conf incident reports ready and serves 502 for ever).
import { basename } from 'node:path';
import type { PresetName, ServicePlan } from '../types.js';
import { isPresetProgram } from './binary.js';

const WHAT_IT_CHECKS: Record<PresetName, string> = {
  'php-fpm': 'runs php-fpm -tt first, checks that the ready target is a socket or port a pool really listens on (naming the file that set it), waits on that address when there is no ready:, and stops it with SIGQUIT',
  nginx: 'runs nginx -t first, checks that every fastcgi_pass/proxy_pass target on this host is served by a service (and starts nginx after it), and stops it with SIGQUIT',
};

/** The program a service runs: argv[0], or the first word a shell command execs. */
function programOf(s: ServicePlan): string {
  if (!s.shell) return s.argv[0] ?? '';
  const words = (s.argv[2] ?? '').trim().split(/\s+/);
  return basename(words[0] === 'exec' ? (words[1] ?? '') : (words[0] ?? ''));
}

export function unusedPresetWarnings(services: readonly ServicePlan[]): { service: string; message: string }[] {
  const out: { service: string; message: string }[] = [];
  for (const s of services) {
    if (s.preset) continue;
    const program = programOf(s);
    for (const preset of Object.keys(WHAT_IT_CHECKS) as PresetName[]) {
      if (!isPresetProgram(preset, program)) continue;
      out.push({ service: s.name, message: `runs ${basename(program)} without \`preset: ${preset}\`, so berth checks nothing of its configuration; the preset ${WHAT_IT_CHECKS[preset]}. Add \`preset: ${preset}\` (your command and ready: are kept)` });
    }
  }
  return out;
}
