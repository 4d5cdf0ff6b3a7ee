// What in a shell command hides a process or its logs from berth (the Nx incident:
// `nohup yarn start > /tmp/app.log 2>&1 &`).
import path from 'node:path';
import { scanShell, type Token } from './shell-scan.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'busybox']);
const STILL_LOGGED = new Set(['/dev/stdout', '/dev/stderr', '/dev/fd/1', '/dev/fd/2', '/proc/self/fd/1', '/proc/self/fd/2']);
const COMMAND_START = new Set(['&&', '||', '&', '|', ';', '(', '\n']);

/** The script a process runs through a shell, if it does. */
function scriptOf(p: { shell: boolean; argv: readonly string[] }): string | undefined {
  if (p.shell) return p.argv[2];
  const i = p.argv.findIndex((a, n) => n > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  return SHELLS.has(path.basename(p.argv[0] ?? '')) && i > 0 ? p.argv[i + 1] : undefined;
}

function redirectWarning(op: string, target: string): string | undefined {
  if (op.includes('<') || target.startsWith('&') || STILL_LOGGED.has(target)) return undefined;
  if (op.endsWith('&')) return undefined; // 2>&1, >&2: still reaches berth
  if (target === '/dev/null') return `"${op} /dev/null" throws the output away; berth can show it in the logs only if it reaches stdout or stderr`;
  return `"${op} ${target}" sends the output to a file: it never reaches berth's logs (docker logs); remove the redirection`;
}

function tokenWarnings(tokens: Token[]): string[] {
  const warnings: string[] = [];
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const atStart = prev === undefined || (prev.kind === 'op' && COMMAND_START.has(prev.text));
    if (t.kind === 'word' && t.text === 'nohup' && atStart) {
      warnings.push('"nohup" detaches the process from its shell; berth already keeps it running and sends it signals itself; remove nohup');
    } else if (t.kind === 'op' && t.text === '&') {
      warnings.push('"&" runs a process in the background: berth cannot see it exit, send it signals or stop it; run it in the foreground (drop the "&"), or make it a service of its own');
    } else if (t.kind === 'op' && /^\d*(>>?|>\||&>>?)$/.test(t.text) && next?.kind === 'word') {
      const w = redirectWarning(t.text, next.text);
      if (w) warnings.push(w);
    } else if (t.kind === 'op' && t.text === '|' && next?.kind === 'word' && path.basename(next.text) === 'tee') {
      warnings.push('"| tee" pipes the output through tee: berth logs the output already, and sees tee\'s exit status instead of the command\'s; remove "| tee …"');
    }
  });
  return [...new Set(warnings)];
}

/** Warnings for a task's or service's command; empty when it runs no shell or hides nothing. */
export function shellWarnings(p: { shell: boolean; argv: readonly string[] }): string[] {
  if (!p.shell && path.basename(p.argv[0] ?? '') === 'nohup') return tokenWarnings([{ kind: 'word', text: 'nohup' }]);
  const script = scriptOf(p);
  return script === undefined ? [] : tokenWarnings(scanShell(script));
}
