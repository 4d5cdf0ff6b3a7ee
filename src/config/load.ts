// Load a config file: read, parse YAML/JSON, interpolate, validate, read env files and
// secrets. Every problem is collected, then thrown together as one ConfigError.
import { READ_LIMITS, readFileBounded, whyUnreadable } from '../os/read-bounded.js';
import path from 'node:path';
import { ConfigError, type Problem } from './errors.js';
import { readSource } from './source.js';
import type { Env } from '../types.js';
import { loadSchemas, type Config, type ConfigSchemas } from './schema.js';
import { errorMap, issuesToProblems } from './issues.js';
import { checkConfig } from './check.js';
import { readEnvFiles } from './env-file.js';
import { readSecret, type Secret } from './secrets.js';
import { quoteMasker } from '../output/relay/mask.js';
import { displayPath, type KeyPath } from './key-path.js';

export interface LoadedConfig {
  file: string; // absolute
  dir: string; // relative paths in the config resolve here
  config: Config;
  envFileVars: Record<string, string>; // from envFile, later files winning
  secrets: Secret[];
  /** Where a key sits, for messages about it: { file, line, col }. */
  where(path: KeyPath): Pick<Problem, 'file' | 'line' | 'col'>;
}

const NOT_TEXT = 'the file is not text (it holds binary data); expected YAML or JSON';

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileBounded(file, READ_LIMITS.config);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : whyUnreadable(e);
    throw new ConfigError([{ file, path: '', message: `cannot read the config file: ${why}` }]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ file, path: '', message: NOT_TEXT }]);
  }
  if (text.includes('\0')) throw new ConfigError([{ file, path: '', message: NOT_TEXT }]);
  return text;
}

const PROTO_KEY = '"__proto__" cannot be a name or key in berth\'s config (a JavaScript object cannot hold it as data: it would be dropped); rename it';

/** Every __proto__ key of the document: the schema never sees one (objects drop it), so it is found here. */
function protoKeys(value: unknown, at: KeyPath = [], out: KeyPath[] = [], depth = 0): KeyPath[] {
  if (value === null || typeof value !== 'object' || depth > 64) return out;
  if (Array.isArray(value)) value.forEach((v, i) => protoKeys(v, [...at, i], out, depth + 1));
  else
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') out.push([...at, k]);
      else protoKeys(v, [...at, k], out, depth + 1);
    }
  return out;
}

/** Top-level `x-` keys hold YAML anchors for the rest, as in Compose; berth ignores them. */
function withoutExtensions(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('x-')));
}

const EMPTY = 'the file is empty; expected settings like "services:" or "tasks:"';

type Locate = (p: KeyPath) => Omit<Problem, 'message'>;

/** envFile, read even when other keys are wrong, so every problem shows at once. */
function envFilesOf(raw: Record<string, unknown>, dir: string, at: Locate, { configSchema }: ConfigSchemas) {
  const parsed = configSchema.shape.envFile.safeParse(raw.envFile);
  const files = parsed.success ? parsed.data ?? [] : [];
  return readEnvFiles(files, dir, (i) => at(Array.isArray(raw.envFile) ? ['envFile', i] : ['envFile']));
}

function secretsOf(raw: Record<string, unknown>, env: Env, cwd: string, at: Locate, { configSchema }: ConfigSchemas) {
  const parsed = configSchema.shape.secrets.safeParse(raw.secrets);
  const secrets: Secret[] = [];
  const problems: Problem[] = [];
  (parsed.success ? parsed.data ?? [] : []).forEach((name, i) => {
    const r = readSecret(name, env, cwd);
    if (r.ok) secrets.push(r.secret);
    else problems.push({ ...at(['secrets', i]), message: r.message });
  });
  return { secrets, problems };
}

/**
 * A message may quote a value a secret was interpolated into (an unsplittable command),
 * maybe cut short: *** it, and any slice of it of 8+ characters.
 */
function hideSecrets(problems: Problem[], secrets: Secret[]): Problem[] {
  const mask = quoteMasker(secrets.map((s) => s.value));
  return mask ? problems.map((p) => ({ ...p, message: mask(p.message) })) : problems;
}

export function loadConfig(file: string, env: Env, options: { cwd?: string; onSource?: (value: unknown) => void } = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  const text = readText(abs);
  if (text.trim() === '') throw new ConfigError([{ file: abs, path: '', message: EMPTY }]);
  const source = readSource(text, abs, env);
  if (source.value === undefined && source.problems.length === 0) throw new ConfigError([{ file: abs, path: '', message: EMPTY }]);
  if (source.value === undefined) throw new ConfigError(source.problems);
  const problems = [...source.problems];
  if (problems.length === 0) options.onSource?.(source.value); // read, not yet validated (cli/early-tests.ts)
  for (const p of protoKeys(source.value)) problems.push({ file: abs, ...source.where(p), path: displayPath(p), message: PROTO_KEY });
  // built for this read and let go with it: an idle berth keeps neither the schemas nor zod (vendor.ts)
  const schemas = loadSchemas();
  const parsed = schemas.configSchema.safeParse(withoutExtensions(source.value), { error: errorMap });
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues, source, abs, schemas));
  else for (const f of checkConfig(parsed.data)) problems.push({ file: abs, ...source.where(f.path), path: displayPath(f.path), message: f.message });
  const raw = source.value !== null && typeof source.value === 'object' ? (source.value as Record<string, unknown>) : {};
  const at: Locate = (p) => ({ file: abs, ...source.where(p), path: displayPath(p) });
  const envFile = envFilesOf(raw, path.dirname(abs), at, schemas);
  const secrets = secretsOf(raw, env, cwd, at, schemas);
  problems.push(...envFile.problems, ...secrets.problems);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(hideSecrets(problems, secrets.secrets));
  return {
    file: abs,
    dir: path.dirname(abs),
    config: parsed.data,
    envFileVars: envFile.vars,
    secrets: secrets.secrets,
    where: (p) => ({ file: abs, ...source.where(p) }),
  };
}
