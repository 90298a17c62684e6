// Waiting for something a test cannot await directly (a log line, a status, a file):
// poll a condition. The time limit only turns a hang into a clear failure; no test
// asserts how long anything took.

export interface UntilOptions {
  /** give up after this long (default 30 s) */
  timeoutMs?: number;
  /** look this often (default 50 ms) */
  pollMs?: number;
}

/** Resolves once `ok()` holds; throws "gave up waiting for <what>" at the time limit. */
export async function until(ok: () => boolean, what: string | (() => string), opts: UntilOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
}
