// How a berth a test started ended, with a deadline.
import type { Berth } from './berth.js';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Resolves with how berth ended; SIGKILLs it (and rejects) past the deadline. */
export async function exitWithin(b: Berth, ms: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      b.kill('SIGKILL');
      reject(new Error(`berth did not exit within ${ms} ms; stdout:\n${b.stdoutText().slice(-4000)}\nstderr:\n${b.stderr().slice(-2000)}`));
    }, ms);
  });
  try {
    return await Promise.race([b.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when berth exits; fails the test if it takes longer than ms (berth is left running). */
export async function exitOf(b: Berth, ms = 30_000): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      b.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`berth did not exit within ${ms} ms; stdout:\n${b.stdoutText().slice(-4000)}\nstderr:\n${b.stderr().slice(-2000)}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
