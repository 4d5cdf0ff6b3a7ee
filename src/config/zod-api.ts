// What berth takes of zod, and all that its vendored copy holds: scripts/build.mjs bundles this
// file as dist/vendor/zod.js, so only these functions and what they use are read and compiled
// when a config is loaded (zod whole: 349 KB, ~20 ms more of every start). Code in src/ gets
// zod from vendor.ts, typed as this file, so a function missing here is a type error there.
import { array, config, enum as zodEnum, NEVER, record, strictObject, string, toJSONSchema, unknown } from 'zod';

export const z = { array, config, enum: zodEnum, NEVER, record, strictObject, string, toJSONSchema, unknown };
