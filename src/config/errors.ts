// Config and usage errors as values: every problem with where it is and what was expected.
import path from 'node:path';
import { EXIT } from '../errors.js';

export interface Problem {
  file?: string; // absolute
  line?: number; // 1-based
  col?: number; // 1-based
  path: string; // key path as the user reads it: services.app.ready, tasks[0].command
  message: string;
}

/** Shown relative to the working directory when inside it, else absolute. */
export function displayFile(file: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The safety net for a message that quotes a huge value whole: its middle goes. */
const MAX_MESSAGE = 2000;
const clip = (m: string) => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE / 2)} … ${m.slice(-MAX_MESSAGE / 2)}` : m);

/** `berth.yaml:12:7 services.php-fpm.ready: unknown probe "sock:"; …` */
export function formatProblem(p: Problem, cwd?: string): string {
  let where = p.file === undefined ? '' : displayFile(p.file, cwd);
  if (where !== '' && p.line !== undefined) where += `:${p.line}` + (p.col !== undefined ? `:${p.col}` : '');
  const head = [where, p.path].filter((s) => s !== '').join(' ');
  return head === '' ? clip(p.message) : `${head}: ${clip(p.message)}`;
}

/** File by file in the order first met, then by line and column. */
function inFileOrder(problems: readonly Problem[]): Problem[] {
  const files = [...new Set(problems.map((p) => p.file ?? ''))];
  const rank = (p: Problem) => [files.indexOf(p.file ?? ''), p.line ?? Infinity, p.col ?? 0];
  return [...problems].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
}

/** A config (or preflight-like) error: exit 78. Holds every problem found, in file order. */
export class ConfigError extends Error {
  readonly exitCode = EXIT.CONFIG;
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = inFileOrder(problems);
    super(sorted.map((p) => formatProblem(p)).join('\n'));
    this.name = 'ConfigError';
    this.problems = sorted;
  }

  /** One line per problem; files relative to `cwd` when inside it. */
  format(cwd?: string): string {
    return this.problems.map((p) => formatProblem(p, cwd)).join('\n');
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
