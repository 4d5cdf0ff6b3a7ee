// One child line → one output line, for the json and pretty formats (CONTRACT §7).
import { scanObject, type ChildObject } from './child-json.js';
import { childLevel, type LevelOf } from './levels.js';

export type ChildStream = 'stdout' | 'stderr';

/** Child lines are "info" on both streams: stderr is where most servers log, not a severity. */
export const CHILD_LEVEL = 'info';

/** A replica's name, "queue:2", is written as `"service":"queue","replica":2`. */
function ownText(name: string, stream: ChildStream): string {
  const m = /^(.+):(\d+)$/.exec(name);
  const service = m ? m[1]! : name;
  return `"service":${JSON.stringify(service)}${m ? `,"replica":${Number(m[2])}` : ''},"stream":"${stream}"`;
}

/**
 * Returns an encoder for one service's stream. `time` is the ISO time of the chunk the
 * line came in. A line that is a JSON object keeps its own text (see spliceChildJson);
 * any other line becomes `msg`, at the level `levelOf` finds in it, else info.
 */
export function jsonEncoder(service: string, stream: ChildStream, levelOf?: LevelOf): (line: string, time: string) => string {
  const ours = ownText(service, stream);
  const tail = `",${ours},"msg":`;
  let head = '';
  let headTime = '';
  return (line, time) => {
    if (line.charCodeAt(0) === 123 /* { */) {
      const obj = scanObject(line);
      if (obj) return spliceChildJson(line, obj, ours, time);
    }
    const level = levelOf?.(line);
    if (level !== undefined && level !== CHILD_LEVEL) return `{"level":"${level}","time":"${time}${tail}${quote(line)}}\n`;
    if (time !== headTime) [headTime, head] = [time, `{"level":"${CHILD_LEVEL}","time":"${time}${tail}`];
    return head + quote(line) + '}\n';
  };
}

/** What JSON.stringify would escape in a decoded line (no lone surrogates come out of UTF-8). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\]/;

/** JSON.stringify(line), skipped for the common line that needs no escaping (2-3x faster). */
function quote(line: string): string {
  return NEEDS_ESCAPE.test(line) ? JSON.stringify(line) : `"${line}"`;
}

/**
 * Lines joined by \n that need no escaping: NEEDS_ESCAPE less the \n between them, as one
 * anchored run (about twice as fast as searching for the first character to escape).
 */
const BLOCK_PLAIN = /^[^\u0000-\u0009\u000b-\u001f"\\]*$/;

/**
 * Encodes many lines at once; `text` is lines.join('\n'), or undefined when not at hand.
 * When no line needs escaping and none is a JSON object, which is most output, every
 * record is the same head, the line and the same end: one join instead of a string per line.
 */
export function jsonBlockEncoder(service: string, stream: ChildStream, levelOf?: LevelOf): (lines: string[], text: string | undefined, time: string) => string {
  const one = jsonEncoder(service, stream, levelOf);
  const ours = ownText(service, stream);
  let head = '';
  let sep = '';
  let headTime = '';
  return (lines, text, time) => {
    const plain =
      levelOf === undefined && text !== undefined && text.charCodeAt(0) !== 123 /* { */ && !text.includes('\n{') && BLOCK_PLAIN.test(text);
    if (!plain) return lines.map((line) => one(line, time)).join('');
    if (time !== headTime) {
      headTime = time;
      head = `{"level":"${CHILD_LEVEL}","time":"${time}",${ours},"msg":"`;
      sep = '"}\n' + head;
    }
    return head + lines.join(sep) + '"}\n';
  };
}

/**
 * A child's JSON object line, its bytes kept (key order, spacing, escapes, big numbers,
 * 1e400): berth splices its own fields in. `level` becomes pino's name for the child's
 * level, with the child's value kept as `child.level` when it said more (`"notice"`, `35`);
 * `level` and `time` are added when missing; berth's `service` and `stream` go last, and a
 * child's own `service` or `stream` is renamed `child.service` / `child.stream`, never dropped.
 */
export function spliceChildJson(line: string, obj: ChildObject, ours: string, time: string): string {
  const edits: { start: number; end: number; text: string }[] = [];
  let hasLevel = false;
  let hasTime = false;
  let keys: Set<string> | undefined;
  for (const m of obj.members) {
    if (m.key === 'time') hasTime = true;
    else if (m.key === 'level') {
      hasLevel = true;
      const raw = line.slice(m.valueStart, m.valueEnd);
      const { level, same } = childLevel(raw);
      if (raw !== `"${level}"`) edits.push({ start: m.valueStart, end: m.valueEnd, text: same ? `"${level}"` : `"${level}","child.level":${raw}` });
    } else if (m.key === 'service' || m.key === 'stream' || (m.key === 'replica' && ours.includes('"replica":'))) {
      keys ??= new Set(obj.members.map((x) => x.key));
      let name = `child.${m.key}`;
      while (keys.has(name)) name = `child.${name}`; // the child's own child.service stays too
      keys.add(name);
      edits.push({ start: m.keyStart, end: m.keyEnd, text: JSON.stringify(name) });
    }
  }
  let body = '';
  let at = obj.open + 1;
  for (const e of edits) {
    body += line.slice(at, e.start) + e.text;
    at = e.end;
  }
  body = (body + line.slice(at, obj.close)).trim();
  const parts: string[] = [];
  if (!hasLevel) parts.push(`"level":"${CHILD_LEVEL}"`);
  if (!hasTime) parts.push(`"time":"${time}"`);
  if (body !== '') parts.push(body);
  parts.push(ours);
  return `{${parts.join(',')}}\n`;
}

/** `php-fpm | line`; the name is padded to the longest one so far, so the bars line up. */
export function prettyPrefix(service: string, width: number, paint: (s: string) => string): string {
  return `${paint(service.padEnd(width))} | `;
}
