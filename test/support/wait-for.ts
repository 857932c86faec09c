/**
 * Polls until `check` gives a value (anything but undefined or false) and returns it; fails after `timeoutMs`
 * naming `what`. For servers and processes that answer in their own time: the deadline is a liveness bound, never
 * an assertion about speed.
 */
export async function waitFor<T>(check: () => T | undefined | false, what = 'the condition', timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
