// pids berth started itself. The reaper must leave these to libuv, and if berth
// dies, their groups go with it. No dependencies: cli.ts loads it at start-up.
const spawned = new Set<number>();

export const isOwnChild = (pid: number): boolean => spawned.has(pid);
export const liveChildren = (): number[] => [...spawned];
export const addChild = (pid: number): void => void spawned.add(pid);
export const removeChild = (pid: number): void => void spawned.delete(pid);
