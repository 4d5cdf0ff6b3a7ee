// CONTRACT §3 step 8: the reverse of the start order, as a graph, not a line. A service
// stops once everything that comes after it has stopped; services with no order between
// them stop at the same time, each with its own stopTimeout inside the one deadline.

export interface Stoppable<R> {
  name: string;
  plan: { after: readonly string[] };
  stop(deadline: number): Promise<R>;
}

/** Stops every service; resolves with each result in the order they ended. */
export async function stopInReverseOrder<R>(services: readonly Stoppable<R>[], deadline: number): Promise<{ name: string; result: R }[]> {
  const ended: { name: string; result: R }[] = [];
  const stopping = new Map<string, Promise<void>>();
  const stopOne = (svc: Stoppable<R>): Promise<void> => {
    let done = stopping.get(svc.name);
    if (done === undefined) {
      const later = services.filter((s) => s.plan.after.includes(svc.name)); // a cycle was refused at load
      done = Promise.all(later.map(stopOne)).then(async () => {
        ended.push({ name: svc.name, result: await svc.stop(deadline) });
      });
      stopping.set(svc.name, done);
    }
    return done;
  };
  await Promise.all(services.map(stopOne));
  return ended;
}
