// An internal error's stack, with the bundle's frames (dist/berth.js:1:23456, or
// berth.js inside the single executable) named as the source lines they were built from,
// through the bundle's source map (scripts/build.mjs). Read only when berth crashes.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isSea, seaAsset } from '../os/sea.js';

/** the stack with src/…ts:line:column for each frame of the bundle; unchanged without a map */
export function sourceStack(stack: string): string {
  const bundle = fileURLToPath(import.meta.url);
  const map = bundleMap(bundle);
  if (!map) return stack; // run from src/ (tests), or the map is gone
  const frame = new RegExp(`${escape(bundle)}:(\\d+):(\\d+)`, 'g');
  return stack.replace(frame, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined) return whole;
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '').replace(/^file:\/\/.*?\/(src\/)/, '$1');
    return `${source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
  });
}

function bundleMap(bundle: string): SourceMap | undefined {
  try {
    const sea = isSea() ? seaAsset('berth.js.map') : undefined;
    const text = sea ? Buffer.from(sea).toString('utf8') : readFileSync(`${bundle}.map`, 'utf8');
    return new SourceMap(JSON.parse(text));
  } catch {
    return undefined;
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
