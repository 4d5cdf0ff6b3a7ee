// Layer config: find, read and validate the config file into data (zod schema, interpolation,
// probes, durations). May import os (bounded reads), output (masking), types and errors; never
// plan or anything that runs.
// The config module's public face: find, load, validate, describe.
export { findConfigFile, SEARCHED, SYSTEM_CONFIG, type FindOptions } from './find.js';
export { loadConfig, type LoadedConfig } from './load.js';
export { ConfigError, formatProblem, displayFile, isConfigError, type Problem } from './errors.js';
export { UsageError } from '../errors.js';
export { configSchemas, PRESETS, RESTART_POLICIES, LOG_FORMATS, LOG_LEVELS, type Config, type TaskConfig, type ServiceConfig } from './schema.js';
export { configJsonSchema } from './json-schema.js';
export { interpolate, type Interpolated } from './interpolate.js';
export { parseDuration, formatDuration, DURATION_EXPECTED } from './duration.js';
export { parseProbe, parseProbeString } from './probe.js';
export { parseResource, type Resource } from './values.js';
export { parseSignal } from './signal.js';
export { parseEnvFile } from './env-file.js';
export { readSecret, type Secret } from './secrets.js';
export { splitShellWords, joinShellWords } from './shell-words.js';
export { orderByAfter, type OrderProblem, type OrderResult } from './order.js';
export { closest, didYouMean } from './suggest.js';
export { displayPath, type KeyPath } from './key-path.js';
