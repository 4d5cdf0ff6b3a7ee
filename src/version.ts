// The version, written into the bundle by scripts/build.mjs (and by vitest.config.ts for the
// tests): berth reads no package.json when it runs, which the single executable has none of.
declare const __BERTH_VERSION__: string;

export const VERSION: string = __BERTH_VERSION__;
