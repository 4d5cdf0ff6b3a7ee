// CONTRACT §9: the ready file and /readyz tell the truth at every moment. Both follow from the
// services' states (and the drain): recomputed on every change, the file written when the
// last service becomes ready and removed the moment one is not, or the drain starts.
import type { EventLog, Plan } from '../types.js';
import type { HealthState } from '../readiness/health.js';
import { removeReadyFile, writeReadyFile } from '../readiness/ready-file.js';
import { processStartTime } from '../os/proc.js';
import { maskSecrets } from '../plan/json.js';
import type { Service } from './service.js';

const REASON_MAX = 200;

export class ReadyGate {
  private services: readonly Service[] = [];
  private ready = false;
  private draining = false;
  // read /proc once, now: the ready file is written the moment the last service is ready
  private readonly startTime: number;

  constructor(
    private readonly plan: Plan,
    private readonly log: EventLog,
  ) {
    this.startTime = plan.readyFile ? (processStartTime(process.pid) ?? 0) : 0;
  }

  /** the services whose states decide; called once they exist */
  watch(services: readonly Service[]): void {
    this.services = services;
    this.update();
  }

  /** after any service changed state */
  update(): void {
    const ready = !this.draining && this.services.length > 0 && this.services.every((s) => s.state === 'ready');
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) this.write();
    else if (this.plan.readyFile) removeReadyFile(this.plan.readyFile);
  }

  /** the first stop signal with a drain: unready at once, and for good */
  drain(): void {
    this.draining = true;
    this.update();
  }

  /** what /readyz answers: every service's state and why, in berth's own words (no command, env or output) */
  health(): HealthState {
    const mask = (s: string) => maskSecrets(s, this.plan.secretValues).slice(0, REASON_MAX);
    return {
      ready: this.ready,
      draining: this.draining,
      services: Object.fromEntries(this.services.map((s) => [s.name, { state: s.state, ready: s.state === 'ready', reason: mask(publicReason(s)) }])),
    };
  }

  private write(): void {
    const { plan, log, services } = this;
    const readyAt = Date.now();
    if (plan.readyFile) {
      const written = writeReadyFile(plan.readyFile, {
        pid: process.pid,
        startTime: this.startTime,
        readyAt,
        services: Object.fromEntries(services.map((s) => [s.name, { pid: s.child?.pid ?? 0, readyAt: s.readyAt ?? readyAt }])),
      });
      // berth health will fail for ever: say why, where the logs are read
      if (!written.ok) log.warn('ready.file', { readyFile: plan.readyFile, error: written.error }, written.error);
    }
    log.info('ready', { services: services.map((s) => s.name), readyFile: plan.readyFile || undefined }, `all ${services.length} service(s) ready`);
  }
}

function publicReason(s: Service): string {
  switch (s.state) {
    case 'starting':
      return s.plan.ready ? `waiting for its ${s.plan.ready.kind} probe` : 'starting';
    case 'unhealthy':
      return `failed its liveness check ${s.plan.liveness?.failures ?? ''} time(s) in a row; being stopped`.replace('  ', ' ');
    case 'stopped':
      return 'stopped by an operator';
    default:
      return s.reason; // waiting for its turn, probe passed, restarting in …, exited with …: no command or output
  }
}
