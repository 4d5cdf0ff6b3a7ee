import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // as scripts/build.mjs writes it into the bundle (src/version.ts)
  define: { __BERTH_VERSION__: JSON.stringify(version) },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    pool: 'forks',
    // two cores: real processes and servers in every file, so keep the fan-out small
    maxWorkers: 2,
    testTimeout: 60_000,
    // berth as root with a writable /dev would write /dev/termination-log; a test that wants
    // the report sets its own path (BERTH_TERMINATION_LOG, or terminationLog with this unset)
    env: { BERTH_TERMINATION_LOG: 'false' },
    hookTimeout: 60_000,
  },
});
