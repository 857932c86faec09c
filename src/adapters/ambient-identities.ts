// The process's own cloud identities (IRSA web identity, EKS Pod Identity and the rest of the AWS default chain,
// Azure managed and workload identity, the Google metadata server), each fetched once and shared by every client,
// region and registry that uses it until it nears its expiry: once per render, and once per identity lifetime in the
// controller. Registry tokens have their own cache (src/controller/runtime/token-cache.ts); this one holds the
// credentials they are minted with.
//
// In memory only: never written anywhere, never logged, never put in a message. Keys name an identity (kind, client
// id, the operator's settings that select it), hashed, because some settings (a container authorization token) are
// secrets themselves. Failures are not kept: the next request asks again (through the retry policy).
import { createHash } from 'node:crypto';

export interface Expiring<T> {
  readonly value: T;
  /** Undefined: valid for the life of the process (static keys from the environment). */
  readonly expiresAt?: Date | undefined;
}

interface Entry {
  readonly value: unknown;
  /** When to fetch again: some margin before the expiry, see `refreshAt`. */
  readonly refreshAt: number | undefined;
}

/** Renew 5 minutes before expiry (the AWS SDK's window), or half-way for identities that live shorter than 10 minutes. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function refreshAt(fetchedAt: number, expiresAt: Date | undefined): number | undefined {
  if (!expiresAt) return undefined;
  const lifetime = expiresAt.getTime() - fetchedAt;
  return expiresAt.getTime() - Math.min(REFRESH_MARGIN_MS, Math.max(0, lifetime / 2));
}

export class AmbientIdentityCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<unknown>>();

  // Date.now looked up on each call, not captured: tests move the process clock by replacing Date.
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The cached value for `parts`, or the one `fetch` returns (concurrent callers share one fetch). */
  async get<T>(parts: readonly unknown[], fetch: () => Promise<Expiring<T>>): Promise<T> {
    const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
    const entry = this.#entries.get(key);
    if (entry && (entry.refreshAt === undefined || this.now() < entry.refreshAt)) return entry.value as T;
    let pending = this.#inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = fetch().then((fetched) => {
        this.#entries.set(key, { value: fetched.value, refreshAt: refreshAt(this.now(), fetched.expiresAt) });
        return fetched.value;
      });
      const settled = (): void => {
        this.#inFlight.delete(key);
      };
      pending.then(settled, settled);
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  forget(): void {
    this.#entries.clear();
  }
}

/**
 * The process's cache. Every provider bundle imports this module, which the build puts in one shared chunk, so
 * ECR, ECR Public and the controller see the same instance.
 */
export const ambientIdentities = new AmbientIdentityCache();
