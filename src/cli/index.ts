// Layer cli: the verbs a user types (run, check, plan, health, schema, ctl) and what they print.
// May import every layer below it; nothing imports it but src/cli.ts.
export { parseArgs, HELP, type ParsedArgs } from './args.js';
