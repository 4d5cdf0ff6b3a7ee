// The folders of src/ are layers and their imports point one way: no folder imports,
// through any chain, a folder that imports it back. Read from the import lines.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string, into: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, into);
    else if (e.name.endsWith('.ts')) into.push(p);
  }
  return into;
}

/** the layer of a file: its top folder under src/, or the file itself at the root (cli.ts, errors.ts) */
const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;

/** layer → layer it imports → the import lines that make the edge (static, re-export and dynamic) */
function layerImports(): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  const specifier = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']+)'/gm;
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(specifier)) {
      const target = path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts'));
      const from = layerOf(file);
      const to = layerOf(target);
      if (from === to) continue;
      const out = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, out);
      out.set(to, [...(out.get(to) ?? []), `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`]);
    }
  }
  return edges;
}

/** the sets of layers that reach each other (strongly connected components of more than one) */
function cycles(edges: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('layers', () => {
  it('reads the imports of the tree (so an empty answer below means something)', () => {
    const edges = layerImports();
    expect(edges.get('lifecycle')?.has('process')).toBe(true);
    expect(edges.get('cli')?.has('lifecycle')).toBe(true);
  });

  it('no two folders of src/ import each other, directly or through others', () => {
    const edges = layerImports();
    const report = cycles(edges).map((c) => {
      const lines = c.flatMap((a) => c.flatMap((b) => (edges.get(a)?.get(b) ?? []).map((l) => `  ${a} → ${b}: ${l}`)));
      return [`cycle: ${c.join(', ')}`, ...lines].join('\n');
    });
    expect(report).toEqual([]);
  });

  it('only os/ reads /proc (one owner for what the kernel says; other layers ask os/)', () => {
    // a path into /proc built in code: '/proc/…' or `/proc/…`; a /proc path in a comment or
    // a message does not count, nor the list of paths that mean "berth's own stdout"
    const reads = /['`]\/proc\/(?!self\/fd\/[12]')/;
    const outside = sourceFiles(SRC)
      .filter((f) => layerOf(f) !== 'os')
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, line, i })))
      .filter(({ line }) => reads.test(line) && !/^\s*(\/\/|\*)/.test(line))
      .map(({ f, line, i }) => `${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`);
    expect(outside).toEqual([]);
  });

  it('would see a cycle (the check itself)', () => {
    const edges = new Map([
      ['a', new Map([['b', ['a/x.ts → b/y.ts']]])],
      ['b', new Map([['c', ['b/y.ts → c/z.ts']]])],
      ['c', new Map([['a', ['c/z.ts → a/x.ts']]])],
    ]);
    expect(cycles(edges)).toEqual([['a', 'b', 'c']]);
  });
});
