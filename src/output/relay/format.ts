// One child line → one output line, for the json and pretty formats (DESIGN §7).

export type ChildStream = 'stdout' | 'stderr';

/** Child lines are "info" on both streams: stderr is where most servers log, not a severity. */
export const CHILD_LEVEL = 'info';

/**
 * Returns an encoder for one service's stream. `time` is the ISO time of the chunk the
 * line came in. A line that is a JSON object keeps its own text and fields; berth adds
 * level and time when missing, and service and stream always (berth's values win).
 */
export function jsonEncoder(service: string, stream: ChildStream): (line: string, time: string) => string {
  const ours = `"service":${JSON.stringify(service)},"stream":"${stream}"`;
  const tail = `",${ours},"msg":`;
  let head = '';
  let headTime = '';
  return (line, time) => {
    if (line.charCodeAt(0) === 123 /* { */) {
      const merged = mergeChildJson(line, service, stream, ours, time);
      if (merged !== undefined) return merged;
    }
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
export function jsonBlockEncoder(service: string, stream: ChildStream): (lines: string[], text: string | undefined, time: string) => string {
  const one = jsonEncoder(service, stream);
  const ours = `"service":${JSON.stringify(service)},"stream":"${stream}"`;
  let head = '';
  let sep = '';
  let headTime = '';
  return (lines, text, time) => {
    const plain =
      text !== undefined && text.charCodeAt(0) !== 123 /* { */ && !text.includes('\n{') && BLOCK_PLAIN.test(text);
    if (!plain) return lines.map((line) => one(line, time)).join('');
    if (time !== headTime) {
      headTime = time;
      head = `{"level":"${CHILD_LEVEL}","time":"${time}",${ours},"msg":"`;
      sep = '"}\n' + head;
    }
    return head + lines.join(sep) + '"}\n';
  };
}

function mergeChildJson(line: string, service: string, stream: ChildStream, ours: string, time: string): string | undefined {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return undefined;
  const has = (key: string): boolean => Object.hasOwn(rec as object, key);
  if (has('service') || has('stream')) {
    // rewrite so berth's service and stream replace the child's, with no duplicate keys
    const out: Record<string, unknown> = Object.create(null);
    if (!has('level')) out.level = CHILD_LEVEL;
    if (!has('time')) out.time = time;
    Object.assign(out, rec, { service, stream });
    return JSON.stringify(out) + '\n';
  }
  // splice, so the child's text (key order, big numbers, escapes) reaches the log unchanged
  const parts: string[] = [];
  if (!has('level')) parts.push(`"level":"${CHILD_LEVEL}"`);
  if (!has('time')) parts.push(`"time":"${time}"`);
  const body = line.slice(1, line.lastIndexOf('}')).trim();
  if (body !== '') parts.push(body);
  parts.push(ours);
  return `{${parts.join(',')}}\n`;
}

/** `php-fpm | line`; the name is padded to the longest one so far, so the bars line up. */
export function prettyPrefix(service: string, width: number, paint: (s: string) => string): string {
  return `${paint(service.padEnd(width))} | `;
}
