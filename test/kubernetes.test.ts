// examples/kubernetes against the berth.yaml its image runs: the manifests are parsed,
// the config is resolved by berth itself (`berth plan --json`, with the container's env),
// and the two must agree on ports, probe paths and time budgets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, runBerth, tempDir } from './helpers/berth.js';

// The image (Dockerfile.example, node-monorepo): WORKDIR /app holds examples/nx-monorepo.
const IMAGE_APP = '/app';
const EXAMPLE = join(ROOT, 'examples/nx-monorepo');
const DIR = join(ROOT, 'examples/kubernetes');

type Obj = Record<string, any>;
const manifests = (file: string): Obj[] => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
  expect(d.errors, file).toEqual([]);
  return d.toJS() as Obj;
});
const all = [...manifests('deployment.yaml'), ...manifests('migrate-job.yaml')];
const deployment = all.find((o) => o.kind === 'Deployment')!;
const job = all.find((o) => o.kind === 'Job')!;
const service = all.find((o) => o.kind === 'Service')!;
const appContainer = deployment.spec.template.spec.containers[0] as Obj;
const jobContainer = job.spec.template.spec.containers[0] as Obj;

interface PlanJson {
  shutdownTimeoutMs: number;
  drainMs: number;
  waitTimeoutMs: number;
  health?: { host: string; port: number };
  tasks: { name: string; skip: boolean; timeoutMs?: number; retries: number; retryDelayMs: number }[];
  services: { name: string; readyTimeoutMs: number; ready?: { kind: string; url?: string } }[];
}

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('berth-k8s-');
});
afterAll(() => t.cleanup());

/** What berth resolves inside the container: its env, its args, its cwd (the image's WORKDIR). */
async function planIn(container: Obj): Promise<PlanJson> {
  const env: Record<string, string | undefined> = { PGHOST: undefined, PGPORT: undefined, PORT: undefined, BERTH_HEALTH_LISTEN: undefined, DISABLE_DB_MIGRATIONS: undefined, DISABLE_CRON_JOBS_REGISTRATION: undefined, POSTGRES_PASSWORD: undefined };
  for (const e of container.env as { name: string; value: string }[]) env[e.name] = e.value;
  // the secret's mount does not exist here: a file in its place
  if (env.POSTGRES_PASSWORD_FILE) env.POSTGRES_PASSWORD_FILE = t.write(`pw-${container.name}`, 'not-a-real-password\n');
  const args = ((container.args ?? []) as string[]).map((a) => (a.startsWith(`${IMAGE_APP}/`) ? join(EXAMPLE, a.slice(IMAGE_APP.length)) : a));
  const r = await runBerth(['plan', '--json', ...args], { cwd: EXAMPLE, env, timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { plan: PlanJson }).plan;
}

const seconds = (ms: number) => Math.ceil(ms / 1000);
const taskBudgetMs = (p: PlanJson) => p.tasks.filter((x) => !x.skip).reduce((sum, x) => sum + (x.timeoutMs ?? Infinity) * (x.retries + 1) + x.retryDelayMs * x.retries, 0);
const portOf = (c: Obj, port: string | number) => (typeof port === 'number' ? port : (c.ports as { name: string; containerPort: number }[]).find((p) => p.name === port)?.containerPort);

/** The secret file berth reads lies in a volume mounted from a Secret. */
function expectSecretMounted(pod: Obj, container: Obj): void {
  const file = (container.env as { name: string; value: string }[]).find((e) => e.name === 'POSTGRES_PASSWORD_FILE')?.value;
  expect(file).toBeDefined();
  const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => file!.startsWith(`${m.mountPath}/`));
  expect(mount, `a volumeMount holding ${file}`).toBeDefined();
  const volume = (pod.volumes as Obj[]).find((v) => v.name === mount!.name)!;
  expect(volume.secret?.secretName).toBeTruthy();
  const item = (volume.secret.items as { key: string; path: string }[] | undefined)?.find((i) => posix.join(mount!.mountPath, i.path) === file);
  expect(item ?? volume.secret.items === undefined, `the Secret's items put a file at ${file}`).toBeTruthy();
}

describe('examples/kubernetes: the Deployment', () => {
  let plan: PlanJson;
  beforeAll(async () => {
    plan = await planIn(appContainer);
  });

  it('gives berth more time than its whole shutdown: grace period > drain + shutdownTimeout, with no preStop sleep', () => {
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds as number;
    // berth's drain does what a preStop sleep did (unready first, then wait): both would wait twice
    expect(appContainer.lifecycle?.preStop).toBeUndefined();
    expect(plan.drainMs).toBeGreaterThan(0);
    expect(grace).toBeGreaterThan(seconds(plan.drainMs) + seconds(plan.shutdownTimeoutMs));
  });

  it('probes /livez and /readyz on the port berth listens on, on an address the kubelet reaches', () => {
    expect(plan.health).toBeDefined();
    expect(plan.health!.host).not.toMatch(/^(127\.|localhost$|::1$)/);
    const probes = { startupProbe: '/readyz', readinessProbe: '/readyz', livenessProbe: '/livez' } as const;
    for (const [name, path] of Object.entries(probes)) {
      const probe = appContainer[name] as Obj;
      expect(probe?.httpGet?.path, name).toBe(path);
      expect(portOf(appContainer, probe.httpGet.port), `${name} port`).toBe(plan.health!.port);
    }
  });

  it('lets berth, not the kubelet, give up on a slow start: startupProbe budget ≥ waitTimeout + tasks + readyTimeouts', () => {
    const p = appContainer.startupProbe as Obj;
    const budget = (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
    const berthWorstCase = plan.waitTimeoutMs + taskBudgetMs(plan) + plan.services.reduce((s, x) => s + x.readyTimeoutMs, 0);
    expect(budget).toBeGreaterThanOrEqual(seconds(berthWorstCase));
  });

  it('leaves the migrations to the Job: every replica skips both tasks', () => {
    expect(plan.tasks.map((x) => [x.name, x.skip])).toEqual([['migrate', true], ['register-jobs', true]]);
  });

  it("exposes the port the app's ready probe checks, and the Service targets it", () => {
    const app = plan.services.find((s) => s.name === 'app')!;
    const appPort = Number(new URL(app.ready!.url!).port);
    expect(portOf(appContainer, 'http')).toBe(appPort);
    expect(portOf(appContainer, service.spec.ports[0].targetPort)).toBe(appPort);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('mounts the password from a Secret where POSTGRES_PASSWORD_FILE points', () => {
    expectSecretMounted(deployment.spec.template.spec, appContainer);
  });
});

describe('examples/kubernetes: the migration Job', () => {
  let plan: PlanJson;
  beforeAll(async () => {
    plan = await planIn(jobContainer);
  });

  it('runs the same image, its tasks only, and ends', () => {
    expect(jobContainer.image).toBe(appContainer.image);
    expect(plan.services).toEqual([]);
    expect(plan.tasks.map((x) => [x.name, x.skip])).toEqual([['migrate', false], ['register-jobs', false]]);
    expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
  });

  it("gives berth's own timeouts room: activeDeadlineSeconds ≥ waitTimeout + the tasks' timeouts", () => {
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThanOrEqual(seconds(plan.waitTimeoutMs + taskBudgetMs(plan)));
  });

  it('mounts the password from a Secret where POSTGRES_PASSWORD_FILE points', () => {
    expectSecretMounted(job.spec.template.spec, jobContainer);
  });
});
