// The ONE retry policy of every token provider (ECR, ECR Public, STS, the AWS credential chain, Entra ID, IMDS, the
// ACR token service, the Google metadata server and OAuth endpoint), in every face and in the controller. Each
// adapter classifies its own SDK's errors (`Transience`) and runs each network step through `withRetries`; the SDKs'
// own retries are switched off, so what a user reads in docs/registries.md ("Transient errors") is what happens.
//
// Bounded so a render stays well inside Argo CD's 60 s: at most 3 attempts per step, short exponential backoff with
// jitter, a server's Retry-After honoured up to 5 s (a longer one is not waited for: the step fails at once, and the
// controller's own backoff or the next render tries again), and no retry that would start after 20 s.
// Shaped after the AWS SDK's "standard" retry mode (3 attempts, jittered exponential backoff, throttling and 5xx
// retried; @smithy/util-retry StandardRetryStrategy, read, not copied) and RFC 9110 §10.2.3 (Retry-After).

export interface RetryPolicy {
  /** Attempts per step, the first included. */
  readonly maxAttempts: number;
  /** Backoff before retry n (1-based) is baseDelayMs * 2^(n-1), scaled by a jitter in [0.5, 1]. */
  readonly baseDelayMs: number;
  /** The longest Retry-After that is waited for. */
  readonly retryAfterCapMs: number;
  /** No retry starts later than this after the step's first attempt. */
  readonly budgetMs: number;
}

export const RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, retryAfterCapMs: 5_000, budgetMs: 20_000 };

/** What an adapter knows about a failure: transient ones may be retried, with the server's Retry-After if it gave one. */
export type Transience = { readonly transient: false } | { readonly transient: true; readonly retryAfterMs?: number | undefined };

export const PERMANENT: Transience = { transient: false };

/** HTTP statuses worth another attempt: throttling and server-side failures (501 and 505 say "never", not "later"). */
export function transientStatus(status: number | undefined): boolean {
  return status !== undefined && (status === 429 || status === 408 || (status >= 500 && status <= 599 && status !== 501 && status !== 505));
}

/** Socket-level failures that a new connection may not meet: resets, broken pipes, a temporary DNS failure. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export function transientNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}

/** The error's own code or its cause's (fetch and some SDKs wrap the socket error). */
export function networkCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR_/.test(code)) return code;
    if (/socket hang up/i.test(current.message)) return 'ECONNRESET';
  }
  return undefined;
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | readonly string[] | null | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

const systemRetryClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs `attempt` until it succeeds, fails for good, or the policy is spent, and throws the last error. When more
 * than one attempt was made, or a Retry-After was not waited for, the error carries a note saying so
 * (`retryNote`), which the adapter puts at the end of the source's problem line: a failure after retries is not a
 * single blip.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  classify: (error: unknown) => Transience,
  policy: RetryPolicy = RETRY_POLICY,
  clock: RetryClock = systemRetryClock,
): Promise<T> {
  const started = clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      // An inner step (the AWS credential chain inside a client call) already spent its attempts: no retries of retries.
      if (isSpent(error)) throw error;
      const transience = classify(error);
      if (!transience.transient) throw n === 1 ? error : spent(error, `after ${n} attempts`);
      if (n >= policy.maxAttempts) throw spent(error, `gave up after ${n} attempts`);
      const backoff = policy.baseDelayMs * 2 ** (n - 1) * (0.5 + clock.random() / 2);
      const retryAfter = transience.retryAfterMs;
      if (retryAfter !== undefined && retryAfter > policy.retryAfterCapMs) {
        throw spent(error, `Retry-After ${Math.ceil(retryAfter / 1000)} s is longer than the ${policy.retryAfterCapMs / 1000} s a token request waits; not retried`);
      }
      const delay = Math.max(backoff, retryAfter ?? 0);
      if (clock.now() + delay - started > policy.budgetMs) {
        throw spent(error, `gave up after ${n} attempt${n === 1 ? '' : 's'}: a retry would start more than ${policy.budgetMs / 1000} s after the first`);
      }
      await clock.sleep(delay);
    }
  }
}

const SPENT = Symbol.for('imps-krm.retries-spent');

/** Marks an error whose retries are spent, with the note for its problem line. Non-objects are wrapped. */
function spent(error: unknown, note: string): unknown {
  const target = typeof error === 'object' && error !== null ? error : new Error(String(error));
  Object.defineProperty(target, SPENT, { value: note, enumerable: false, configurable: true });
  return target;
}

function isSpent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && SPENT in error;
}

/** ` (gave up after 3 attempts)` and the like, for the end of a problem line; empty for a first-attempt failure. */
export function retryNote(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const note = (error as { [SPENT]?: unknown })[SPENT];
  return typeof note === 'string' ? ` (${note})` : '';
}
