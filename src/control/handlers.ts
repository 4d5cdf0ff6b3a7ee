// What each control request does: names checked (64 naming what exists), refused while
// berth shuts down (69), every action an event naming the caller's uid and pid.
import type { EventLog } from '../types.js';
import { parseSignal } from '../config/signal.js';
import { errorReply, okReply, type Request } from './protocol.js';
import type { Exchange, Handler } from './server.js';
import type { ActionResult, ControlTarget, Names, ReloadOutcome } from './target.js';

export interface HandlerOptions {
  target: ControlTarget;
  log: EventLog;
  version: string;
}

export function createHandler({ target, log, version }: HandlerOptions): Handler {
  let reloading: Promise<unknown> = Promise.resolve();
  return async (req, id, x) => {
    const reply = (body: Record<string, unknown>) => x.send(okReply(body, id));
    switch (req.cmd) {
      case 'ping':
        reply({ pid: process.pid, version });
        return;
      case 'status':
        reply({ status: target.status() });
        return;
      case 'logs':
        return logs(req, id, x, target);
    }
    if (target.stopping()) {
      x.send(errorReply('shutting-down', 'berth is shutting down; nothing more can be changed', {}, id));
      return;
    }
    const who = { callerUid: x.caller.uid, callerPid: x.caller.pid };
    if (req.cmd === 'reload') {
      log.info('control.reload', { ...who, dryRun: req.dryRun }, `reload${req.dryRun ? ' --dry-run' : ''} asked by uid ${x.caller.uid} (pid ${x.caller.pid})`);
      // one at a time: a second reload compares with what the first applied
      const run = reloading.then((): Promise<ReloadOutcome | undefined | 'stopping'> | 'stopping' => (target.stopping() ? 'stopping' : target.reload(req.dryRun)));
      reloading = run.catch(() => undefined);
      const outcome = await run;
      if (outcome === 'stopping') x.send(errorReply('shutting-down', 'berth began shutting down before this reload ran; nothing changed', {}, id));
      else if (!outcome) x.send(errorReply('not-ready', 'berth is still starting (tasks or its first services); reload once it runs', {}, id));
      else if (outcome.problems.length) x.send(errorReply('invalid-config', `the configuration has ${outcome.problems.length} problem(s); nothing changed:\n${outcome.problems.map((p) => `  ${p}`).join('\n')}`, { reload: outcome }, id));
      else if (!outcome.ok) x.send(errorReply('not-ready', `reload applied, but not everything is ready:\n${outcome.applied.filter((a) => !a.ok).map((a) => `  ${a.message}`).join('\n')}`, { reload: outcome }, id));
      else reply({ reload: outcome });
      return;
    }
    const names = target.names();
    const unknown = req.names.filter((n) => !known(names, req.cmd, n));
    if (unknown.length > 0) {
      x.send(errorReply('unknown-name', `${unknown.map((n) => `"${n}"`).join(', ')}: no such ${req.cmd === 'start' && names.jobs.length ? 'service or job' : 'service'}; ${describeNames(names)}`, { names: unknown, known: names }, id));
      return;
    }
    let signal: NodeJS.Signals | undefined;
    if (req.cmd === 'signal') {
      const parsed = parseSignal(req.signal);
      if (!parsed.ok) {
        x.send(errorReply('bad-request', parsed.message, {}, id));
        return;
      }
      signal = parsed.signal;
    }
    log.info(`control.${req.cmd}`, { ...who, names: req.names, ...(signal && { signal }) }, `${req.cmd}${signal ? ` ${signal}` : ''} ${req.names.join(', ')} asked by uid ${x.caller.uid} (pid ${x.caller.pid})`);
    const results = await Promise.all(
      req.names.map(async (name): Promise<ActionResult & { name: string }> => {
        const r = req.cmd === 'signal' ? target.signal(name, signal!) : await target[req.cmd](name);
        return { name, ...r };
      }),
    );
    const failed = results.find((r) => !r.ok);
    if (!failed) reply({ results });
    else if (!failed.ok) x.send(errorReply(failed.code, results.filter((r) => !r.ok).map((r) => r.message).join('\n'), { results }, id));
  };
}

function known(names: Names, cmd: string, name: string): boolean {
  return names.services.includes(name) || (cmd === 'start' && names.jobs.includes(name));
}

function describeNames(names: Names): string {
  const services = names.services.length ? `services: ${names.services.join(', ')}` : 'no services';
  return `this berth runs ${services}${names.jobs.length ? `; jobs: ${names.jobs.join(', ')}` : ''}`;
}

async function logs(req: Extract<Request, { cmd: 'logs' }>, id: string | number | undefined, x: Exchange, target: ControlTarget): Promise<void> {
  const names = target.names();
  if (!names.services.includes(req.name)) {
    x.send(errorReply('unknown-name', `"${req.name}": no such service; ${describeNames(names)}`, { names: [req.name], known: names }, id));
    return;
  }
  if (!x.send(okReply({ lines: target.lastLines(req.name, req.lines), follow: req.follow }, id)) || !req.follow) return;
  await new Promise<void>((resolve) => {
    const unsubscribe = target.follow(req.name, (line) => {
      if (!x.send(okReply({ line }, id))) done();
    });
    const done = () => {
      unsubscribe();
      resolve();
    };
    if (x.closed.aborted) done();
    else x.closed.addEventListener('abort', done, { once: true });
  });
}
