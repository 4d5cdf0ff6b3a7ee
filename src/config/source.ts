// YAML (or JSON) text → plain data with every string interpolated, and where each key
// and value sits (line:col), so a message can point at it.
import type { Document, LineCounter, Node, Scalar, YAMLMap } from 'yaml';
import { requireYaml } from './vendor.js';
import type { Problem } from './errors.js';
import type { Env } from '../types.js';
import { interpolate } from './interpolate.js';
import { displayPath, pathKey, type KeyPath } from './key-path.js';

export interface Position {
  line: number;
  col: number;
}

export interface Source {
  value: unknown; // undefined when the text holds nothing
  problems: Problem[]; // YAML syntax and interpolation
  failed: KeyPath[]; // values whose interpolation failed: their schema issues are noise
  /** Where a key (or, failing that, its nearest written parent) sits. */
  where(path: KeyPath, at?: 'key' | 'value'): Position | undefined;
}

const SYNTAX: Record<string, string> = {
  DUPLICATE_KEY: 'this key appears twice in the same mapping',
  TAB_AS_INDENT: 'tabs cannot indent YAML; use spaces',
  MULTIPLE_DOCS: 'the file holds more than one YAML document (---); berth reads one',
};

const MAX_ALIASES = 1000; // a "billion laughs" file must not hang berth at start

class Walker {
  readonly problems: Problem[] = [];
  readonly failed: KeyPath[] = [];
  readonly keys = new Map<string, Position>();
  readonly values = new Map<string, Position>();
  private aliases = 0;

  constructor(
    private readonly yaml: typeof import('yaml'),
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
    private readonly env: Env,
  ) {}

  pos(node: Node | null | undefined): Position | undefined {
    return node?.range ? this.lc.linePos(node.range[0]) : undefined;
  }

  problem(path: KeyPath, node: Node | null | undefined, message: string): void {
    this.problems.push({ file: this.file, ...this.pos(node), path: displayPath(path), message });
  }

  value(node: unknown, path: KeyPath, depth = 0): unknown {
    if (depth > 64) return this.problem(path, node as Node, 'aliases nest too deep (a loop?)');
    if (this.yaml.isAlias(node)) {
      if (++this.aliases > MAX_ALIASES) {
        if (this.aliases === MAX_ALIASES + 1) this.problem(path, node, `more than ${MAX_ALIASES} aliases to expand; is an alias expanding into itself?`);
        return this.failed.push(path), undefined;
      }
      const target = node.resolve(this.doc);
      if (target === undefined) return (this.failed.push(path), this.problem(path, node, `unknown alias *${node.source}; define &${node.source} before it`));
      return this.value(target, path, depth + 1);
    }
    if (this.yaml.isMap(node)) return this.map(node, path, depth);
    if (this.yaml.isSeq(node)) return node.items.map((item, i) => this.at([...path, i], item as Node, depth));
    if (this.yaml.isScalar(node)) return this.scalar(node, path);
    return null; // `key:` with nothing after it
  }

  at(path: KeyPath, node: Node | null, depth: number): unknown {
    const empty = this.yaml.isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]; // `key:` alone: point at the key
    const p = empty ? undefined : this.pos(node);
    if (p && !this.values.has(pathKey(path))) this.values.set(pathKey(path), p);
    return this.value(node, path, depth + 1);
  }

  map(node: YAMLMap, path: KeyPath, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const merged: Record<string, unknown>[] = [];
    const seen = new Set<string>(); // yaml's own check compares every key with every other: minutes for 64k keys
    for (const pair of node.items) {
      const raw: unknown = this.yaml.isScalar(pair.key) ? pair.key.value : undefined;
      const key = typeof raw === 'symbol' ? raw.description : raw === undefined ? undefined : String(raw); // `<<` is a Symbol
      if (key === undefined) {
        this.problem(path, pair.key as Node, 'a key must be a plain name, not a list or mapping');
        continue;
      }
      if (key === '<<') {
        const v = this.value(pair.value, path, depth + 1);
        for (const m of Array.isArray(v) ? v : [v]) if (m && typeof m === 'object') merged.push(m as Record<string, unknown>);
        continue;
      }
      if (seen.has(key)) this.problems.push({ file: this.file, ...this.pos(pair.key as Node), path: '', message: SYNTAX.DUPLICATE_KEY! });
      seen.add(key);
      const p = this.pos(pair.key as Node);
      if (p) this.keys.set(pathKey([...path, key]), p);
      Object.defineProperty(out, key, { value: this.at([...path, key], pair.value as Node, depth), enumerable: true, writable: true, configurable: true });
    }
    for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
    return out;
  }

  scalar(node: Scalar, path: KeyPath): unknown {
    const v = node.value;
    if (typeof v === 'number' && node.format === 'OCT') return `0o${v.toString(8)}`; // modes: keep them octal
    if (typeof v !== 'string') return v;
    const r = interpolate(v, this.env);
    if (r.ok) return r.value;
    this.problem(path, node, r.message);
    this.failed.push(path);
    return v;
  }
}

function firstLine(message: string): string {
  const m = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  return m.charAt(0).toLowerCase() + m.slice(1);
}

export function readSource(text: string, file: string, env: Env): Source {
  const yaml = requireYaml();
  const lc = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: true, uniqueKeys: false }); // duplicates: Walker.map
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ file, ...e.linePos?.[0], path: '', message: SYNTAX[e.code] ?? firstLine(e.message) }));
    return { value: undefined, problems, failed: [], where: () => undefined };
  }
  const w = new Walker(yaml, doc, lc, file, env);
  const value = doc.contents === null ? undefined : w.at([], doc.contents, 0);
  // where() outlives the read (LoadedConfig): it holds the positions, not yaml's document (vendor.ts)
  const { keys, values } = w;
  const where = (path: KeyPath, at: 'key' | 'value' = 'value'): Position | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const k = pathKey(path.slice(0, n));
      const p = at === 'key' && n === path.length ? keys.get(k) ?? values.get(k) : values.get(k) ?? keys.get(k);
      if (p) return p;
    }
    return undefined;
  };
  return { value, problems: w.problems, failed: w.failed, where };
}
