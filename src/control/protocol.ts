// The control protocol (README "Operating a running berth"): one JSON request per line, one
// JSON reply per line, each with `v`. Pure: a line in, a request or a reasoned error out.

export const PROTOCOL_VERSION = 1;
/** a request line longer than this is refused without being parsed */
export const MAX_REQUEST_BYTES = 64 * 1024;
const MAX_NAMES = 256;
const MAX_NAME_LENGTH = 256;
export const MAX_LOG_LINES = 10_000;

export type Request =
  | { cmd: 'ping' }
  | { cmd: 'status' }
  | { cmd: 'restart' | 'stop' | 'start'; names: string[] }
  | { cmd: 'signal'; signal: string; names: string[] }
  | { cmd: 'logs'; name: string; lines: number; follow: boolean }
  | { cmd: 'reload'; dryRun: boolean };

export type Command = Request['cmd'];
export const COMMANDS: readonly Command[] = ['ping', 'status', 'restart', 'stop', 'start', 'signal', 'logs', 'reload'];

/**
 * Why a request failed, and the exit status `berth ctl` gives for it (the same for a
 * script that reads the reply): 64 a bad request or an unknown name, 69 not answered
 * (not ready in time, shutting down, too busy), 77 refused, 78 an invalid config on reload.
 */
export type ErrorCode =
  | 'bad-request'
  | 'too-large'
  | 'unsupported-version'
  | 'unknown-command'
  | 'unknown-name'
  | 'denied'
  | 'busy'
  | 'timeout'
  | 'shutting-down'
  | 'not-ready'
  | 'invalid-config'
  | 'failed'
  | 'internal';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  'bad-request': 64,
  'too-large': 64,
  'unsupported-version': 64,
  'unknown-command': 64,
  'unknown-name': 64,
  denied: 77,
  busy: 69,
  timeout: 69,
  'shutting-down': 69,
  'not-ready': 69,
  'invalid-config': 78,
  failed: 1,
  internal: 70,
};

export interface ErrorReply {
  v: number;
  ok: false;
  id?: string | number;
  error: { code: ErrorCode; status: number; message: string } & Record<string, unknown>;
}

export type Reply = { v: number; ok: true; id?: string | number } & Record<string, unknown>;

export function errorReply(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, id?: string | number): ErrorReply {
  return { v: PROTOCOL_VERSION, ok: false, ...(id !== undefined && { id }), error: { code, status: ERROR_STATUS[code], message, ...extra } };
}

export function okReply(body: Record<string, unknown> = {}, id?: string | number): Reply {
  return { v: PROTOCOL_VERSION, ok: true, ...(id !== undefined && { id }), ...body };
}

export type Parsed = { ok: true; request: Request; id?: string | number } | { ok: false; reply: ErrorReply };

const FIELDS: Record<Command, readonly string[]> = {
  ping: [],
  status: [],
  restart: ['names'],
  stop: ['names'],
  start: ['names'],
  signal: ['signal', 'names'],
  logs: ['name', 'lines', 'follow'],
  reload: ['dryRun'],
};

/** A request is one flat object (a list of names at most): deeper is refused before parsing. */
const MAX_NESTING = 4;

/**
 * How deep `line` nests arrays and objects, outside strings, counting no further than
 * `limit + 1`. A line of 20,000 `[` would make JSON.parse build 20,000 arrays before it
 * fails: garbage that outlives the young generation and swells the heap.
 */
export function nesting(line: string, limit = MAX_NESTING): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip what it escapes
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** One request line (without its newline). Never throws. */
export function parseRequest(line: string): Parsed {
  if (nesting(line) > MAX_NESTING) return bad('bad-request', `nested more than ${MAX_NESTING} levels deep: a request is one flat JSON object, like {"v":1,"cmd":"status"}`);
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return bad('bad-request', 'not a JSON object: send one JSON object per line, like {"v":1,"cmd":"status"}');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return bad('bad-request', 'not a JSON object: send one JSON object per line, like {"v":1,"cmd":"status"}');
  const o = data as Record<string, unknown>;
  const id = typeof o.id === 'string' || (typeof o.id === 'number' && Number.isFinite(o.id)) ? o.id : undefined;
  const fail = (code: ErrorCode, message: string): Parsed => ({ ok: false, reply: errorReply(code, message, {}, id) });
  if (o.id !== undefined && id === undefined) return fail('bad-request', '"id" must be a string or a number');
  if (o.v === undefined) return fail('unsupported-version', `no "v": say which protocol version you speak ({"v":${PROTOCOL_VERSION},…})`);
  if (o.v !== PROTOCOL_VERSION) return fail('unsupported-version', `protocol version ${short(o.v)} is not spoken here; this berth speaks version ${PROTOCOL_VERSION}`);
  if (typeof o.cmd !== 'string') return fail('bad-request', `no "cmd": one of ${COMMANDS.join(', ')}`);
  const cmd = o.cmd as Command;
  if (!COMMANDS.includes(cmd)) return fail('unknown-command', `unknown command ${short(o.cmd)}; this berth knows ${COMMANDS.join(', ')}`);
  const allowed = new Set(['v', 'id', 'cmd', ...FIELDS[cmd]]);
  const extra = Object.keys(o).filter((k) => !allowed.has(k));
  if (extra.length > 0) return fail('bad-request', `${cmd} takes no ${extra.slice(0, 5).map((k) => short(k)).join(', ')}${FIELDS[cmd].length ? `; it takes ${FIELDS[cmd].join(', ')}` : ''}`);
  const request = readFields(cmd, o);
  if (typeof request === 'string') return fail('bad-request', request);
  return { ok: true, request, id };
}

function readFields(cmd: Command, o: Record<string, unknown>): Request | string {
  switch (cmd) {
    case 'ping':
    case 'status':
      return { cmd };
    case 'restart':
    case 'stop':
    case 'start': {
      const names = readNames(o.names);
      return typeof names === 'string' ? names : { cmd, names };
    }
    case 'signal': {
      const names = readNames(o.names);
      if (typeof names === 'string') return names;
      if (typeof o.signal !== 'string' || o.signal.length === 0 || o.signal.length > 16) return '"signal" must be a signal name like "HUP" or "SIGUSR1"';
      return { cmd, signal: o.signal, names };
    }
    case 'logs': {
      if (!isName(o.name)) return `"name" must be a service name (a string of 1 to ${MAX_NAME_LENGTH} characters)`;
      const lines = o.lines === undefined ? 100 : o.lines;
      if (typeof lines !== 'number' || !Number.isInteger(lines) || lines < 0 || lines > MAX_LOG_LINES) return `"lines" must be a whole number from 0 to ${MAX_LOG_LINES}`;
      if (o.follow !== undefined && typeof o.follow !== 'boolean') return '"follow" must be true or false';
      return { cmd, name: o.name, lines, follow: o.follow === true };
    }
    case 'reload':
      if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') return '"dryRun" must be true or false';
      return { cmd, dryRun: o.dryRun === true };
  }
}

function readNames(v: unknown): string[] | string {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_NAMES || !v.every(isName)) return `"names" must be a list of 1 to ${MAX_NAMES} service names`;
  return [...new Set(v as string[])];
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME_LENGTH;

function bad(code: ErrorCode, message: string): Parsed {
  return { ok: false, reply: errorReply(code, message) };
}

/** a value quoted for a message, never long */
function short(v: unknown): string {
  if (v !== null && typeof v === 'object') return Array.isArray(v) ? 'a list' : 'an object'; // never stringified: it may nest 30,000 deep
  const s = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}
