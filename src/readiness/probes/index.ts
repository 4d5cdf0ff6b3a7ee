// waitReady: CONTRACT §5's probes, one file per kind. Resolves when ready; rejects only on abort.
import type { Probe } from '../../types.js';
import type { ProbeContext } from './context.js';
import { waitExec } from './exec.js';
import { waitFastcgi } from './fastcgi.js';
import { waitFile } from './file.js';
import { waitHttp } from './http.js';
import { waitLog } from './log.js';
import { forgetObservation } from './observed.js';
import { waitTcp } from './tcp.js';
import { waitUnix } from './unix.js';

export type { ProbeContext } from './context.js';
export { describeProbe } from './describe.js';

export async function waitReady(probe: Probe, ctx: ProbeContext): Promise<void> {
  ctx.signal.throwIfAborted();
  forgetObservation(probe); // what an earlier run of the service saw is not news
  switch (probe.kind) {
    case 'unix':
      return waitUnix(probe, ctx);
    case 'tcp':
      return waitTcp(probe, ctx);
    case 'http':
      return waitHttp(probe, ctx);
    case 'file':
      return waitFile(probe, ctx);
    case 'exec':
      return waitExec(probe, ctx);
    case 'log':
      return waitLog(probe, ctx);
    case 'fastcgi':
      return waitFastcgi(probe, ctx);
  }
}
