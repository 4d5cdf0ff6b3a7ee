// The control socket's server: who may talk (SO_PEERCRED), how much, for how long. Every
// limit is here; what a request does is the handler's. Nothing a client sends or fails to
// read can reach supervision: errors become replies, slow clients are dropped.
import type { Server, Socket } from 'node:net';
import type { EventLog } from '../types.js';
import { peerCredentials, type PeerCredentials } from '../os/peercred.js';
import { errorReply, MAX_REQUEST_BYTES, parseRequest, type ErrorReply, type Reply, type Request } from './protocol.js';

export const LIMITS = {
  /** connections served at once; one more gets a `busy` reply and is closed */
  connections: 16,
  /** to send a whole request line (and between requests on one connection) */
  requestMs: 10_000,
  /** replies a client has not read yet; past this it is dropped */
  pendingBytes: 1 << 20,
  /** for what it has not read to drain */
  drainMs: 10_000,
};

export interface Caller {
  uid: number;
  /** 0 when the kernel could not say */
  pid: number;
}

/** What one request may do with its connection: reply (once or, for a stream, many times). */
export interface Exchange {
  caller: Caller;
  /** false once the client is gone: stop sending */
  send(reply: Reply | ErrorReply): boolean;
  /** aborted when the client goes away */
  closed: AbortSignal;
}

/** Handles one request; resolves when it is done with the connection (a stream: when it ends). */
export type Handler = (request: Request, id: string | number | undefined, x: Exchange) => Promise<void>;

export interface ControlServerOptions {
  server: Server;
  log: EventLog;
  handle: Handler;
  /** berth's own uid: it and root may talk */
  uid: number;
  limits?: Partial<typeof LIMITS>;
}

/** Serves connections on an already listening server; returns what closes them all. */
export function serveControl(opts: ControlServerOptions): { close(): void } {
  const limits = { ...LIMITS, ...opts.limits };
  const sockets = new Set<Socket>();
  let unknownPeerLogged = false;
  const onConnection = (socket: Socket) => {
    socket.on('error', () => socket.destroy()); // EPIPE, ECONNRESET: that client's problem
    if (sockets.size >= limits.connections) {
      endThenDestroy(socket, limits.drainMs, line(errorReply('busy', `berth serves ${limits.connections} control connections at once; try again`)));
      return;
    }
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    const cred = fd !== undefined && fd >= 0 ? peerCredentials(fd) : ({ ok: false, error: 'no file descriptor' } as const);
    if (!cred.ok && !unknownPeerLogged) {
      unknownPeerLogged = true;
      opts.log.warn('control.peer', { error: cred.error }, `cannot tell who connects to the control socket (${cred.error}); only the socket's mode 0600 guards it`);
    }
    const caller: Caller = cred.ok ? { uid: cred.value.uid, pid: cred.value.pid } : { uid: opts.uid, pid: 0 };
    if (cred.ok && !allowed(cred.value, opts.uid)) {
      opts.log.warn('control.denied', { callerUid: cred.value.uid, callerPid: cred.value.pid }, `refused a control connection from uid ${cred.value.uid} (pid ${cred.value.pid}): only root and uid ${opts.uid} may control berth`);
      endThenDestroy(socket, limits.drainMs, line(errorReply('denied', `uid ${cred.value.uid} may not control this berth: only root and uid ${opts.uid} (berth's own) may`)));
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    converse(socket, caller, opts.handle, limits);
  };
  opts.server.on('connection', onConnection);
  return {
    close() {
      opts.server.off('connection', onConnection);
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}

/**
 * Ends the socket after its last word; a client that never reads it is cut off after `ms`.
 * The timer goes with the socket: a closed socket (and its buffers) is not held for `ms`.
 */
function endThenDestroy(socket: Socket, ms: number, last?: string): void {
  if (socket.writable) {
    if (last !== undefined) socket.end(last);
    else socket.end();
  }
  if (socket.destroyed) return;
  const cutOff = setTimeout(() => socket.destroy(), ms).unref();
  socket.once('close', () => clearTimeout(cutOff));
}

function allowed(peer: PeerCredentials, uid: number): boolean {
  return peer.uid === 0 || peer.uid === uid;
}

/** Reads request lines one at a time; the next is read only once the last is done. */
function converse(socket: Socket, caller: Caller, handle: Handler, limits: typeof LIMITS): void {
  const closed = new AbortController();
  let pending: Buffer = Buffer.alloc(0);
  let ignored = 0; // bytes a client sent after its conversation ended
  let busy = false;
  let ended = false;
  let drainTimer: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => finish(errorReply('timeout', `no whole request within ${limits.requestMs} ms; closing`)), limits.requestMs);
  };
  const stop = () => {
    clearTimeout(idle);
    clearTimeout(drainTimer);
    pending = Buffer.alloc(0); // nothing more is read: let the last chunk go
    if (!closed.signal.aborted) closed.abort();
  };
  /** the last word, then the socket closes; a client that never reads it is cut off */
  const finish = (reply?: ErrorReply) => {
    if (closed.signal.aborted) return;
    stop();
    endThenDestroy(socket, limits.drainMs, reply && line(reply));
  };
  socket.once('close', stop);

  const send = (reply: Reply | ErrorReply): boolean => {
    if (closed.signal.aborted || !socket.writable) return false;
    socket.write(line(reply));
    if (socket.writableLength > limits.pendingBytes) {
      socket.destroy(); // a client that stops reading is dropped, not buffered for
      stop();
      return false;
    }
    if (socket.writableLength > 0 && !drainTimer) {
      drainTimer = setTimeout(() => {
        socket.destroy();
        stop();
      }, limits.drainMs);
      socket.once('drain', () => {
        clearTimeout(drainTimer);
        drainTimer = undefined;
      });
    }
    return true;
  };
  const exchange: Exchange = { caller, send, closed: closed.signal };
  const tooLarge = () => finish(errorReply('too-large', `a request is one line of at most ${MAX_REQUEST_BYTES} bytes; closing`));

  const next = (): void => {
    while (!busy && !closed.signal.aborted) {
      let nl = pending.indexOf(10);
      if (nl < 0 && ended && pending.length > 0) nl = pending.length; // the last line needs no newline
      if (nl < 0) {
        if (pending.length > MAX_REQUEST_BYTES) return tooLarge();
        if (ended) return finish();
        return;
      }
      if (nl > MAX_REQUEST_BYTES) return tooLarge();
      const text = pending.subarray(0, nl).toString('utf8');
      pending = pending.subarray(nl + 1);
      if (text.trim() === '') continue;
      const parsed = parseRequest(text);
      if (!parsed.ok) {
        send(parsed.reply);
        continue;
      }
      busy = true;
      clearTimeout(idle);
      socket.pause();
      handle(parsed.request, parsed.id, exchange)
        .catch((e: unknown) => {
          send(errorReply('internal', `berth failed to answer (a bug in berth, please report it): ${e instanceof Error ? e.message : String(e)}`, {}, parsed.id));
        })
        .finally(() => {
          busy = false;
          if (closed.signal.aborted) return;
          socket.resume();
          armIdle();
          next();
        });
    }
  };

  socket.on('data', (chunk: Buffer) => {
    if (closed.signal.aborted) {
      // done with this client; what it still sends is dropped, and past a little it is cut off
      if ((ignored += chunk.length) > limits.pendingBytes) socket.destroy();
      return;
    }
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    // a client may queue its next request while one is answered, not an unbounded stream of them
    if (pending.length > 2 * MAX_REQUEST_BYTES) return tooLarge();
    next();
  });
  socket.on('end', () => {
    ended = true;
    next();
  });
  armIdle();
}

function line(reply: Reply | ErrorReply): string {
  try {
    return `${JSON.stringify(reply)}\n`;
  } catch {
    return `${JSON.stringify(errorReply('internal', 'berth could not encode its reply'))}\n`;
  }
}
