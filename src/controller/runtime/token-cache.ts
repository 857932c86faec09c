import { tokenRequestKey, type RegistryToken, type TokenRequest } from '../../core/tokens.js';
import type { Clock } from '../../ports/clock.js';
import type { TokenProvider } from '../../ports/tokens.js';

export interface RenewalPolicy {
  /** Renew once this fraction of the token's lifetime has passed (msi-acrpull's ttl-rotation-fraction). */
  readonly fraction: number;
  /** ...or this long before expiry, whichever comes first. */
  readonly marginMs: number;
}

export const DEFAULT_RENEWAL: RenewalPolicy = { fraction: 0.5, marginMs: 30 * 60_000 };

interface Entry {
  readonly token: RegistryToken;
  readonly fetchedAt: Date;
  readonly renewAt: Date | undefined;
  lastUsed: number;
  /** When a renewal of this token last failed: it is due no more, the failing ImagePullSecrets retry with backoff. */
  failedAt?: number;
}

/** The moment to renew a token fetched at `fetchedAt`: undefined when it never expires. */
export function renewalTime(policy: RenewalPolicy, fetchedAt: Date, expiresAt: Date | undefined): Date | undefined {
  if (!expiresAt) return undefined;
  const lifetime = expiresAt.getTime() - fetchedAt.getTime();
  const byFraction = fetchedAt.getTime() + lifetime * policy.fraction;
  const byMargin = expiresAt.getTime() - policy.marginMs;
  // A token living less than the margin (GKE's metadata server hands out its cached token until 5 min before expiry)
  // cannot be renewed that long before it expires. Taking the margin anyway made it due at once: no renewal timer
  // was armed and the refresher asked again in a loop. The fraction of its lifetime still applies.
  const at = byMargin > fetchedAt.getTime() ? Math.min(byFraction, byMargin) : byFraction;
  return new Date(Math.max(fetchedAt.getTime(), at));
}

/**
 * A TokenProvider that asks the real one once per distinct credential (keyed by `tokenRequestKey`, which includes
 * the role ARN: IMPS's key did not) and serves the token until its renewal time. Concurrent asks share one call.
 * When a renewal fails but the old token is still valid, the failure is thrown (status must say so) and the old
 * token stays cached, so the Secret already written is never emptied.
 */
export class TokenCache implements TokenProvider {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<RegistryToken>>();

  constructor(
    private readonly provider: TokenProvider,
    private readonly clock: Clock,
    private readonly policy: RenewalPolicy = DEFAULT_RENEWAL,
  ) {}

  async fetchToken(request: TokenRequest): Promise<RegistryToken> {
    const key = tokenRequestKey(request);
    const now = this.clock.now();
    const entry = this.#entries.get(key);
    if (entry) entry.lastUsed = now.getTime();
    if (entry && (!entry.renewAt || now < entry.renewAt)) return entry.token;
    let call = this.#inFlight.get(key);
    if (!call) {
      call = this.provider.fetchToken(request).then(
        (token) => {
          const fetchedAt = this.clock.now();
          this.#entries.set(key, { token, fetchedAt, renewAt: renewalTime(this.policy, fetchedAt, token.expiresAt), lastUsed: fetchedAt.getTime() });
          return token;
        },
        (error: unknown) => {
          const failed = this.#entries.get(key);
          if (failed) failed.failedAt = this.clock.now().getTime();
          throw error;
        },
      );
      const settled = (): void => {
        this.#inFlight.delete(key);
      };
      call.then(settled, settled);
      this.#inFlight.set(key, call);
    }
    return call;
  }

  /** Expiry of the cached token for this request, for the per-source expiry metric. */
  expiryOf(request: TokenRequest): Date | undefined {
    return this.#entries.get(tokenRequestKey(request))?.token.expiresAt;
  }

  /** When the cached token for this request was obtained (an AcrPullBinding's status.lastTokenRefreshTime). */
  fetchedAtOf(request: TokenRequest): Date | undefined {
    return this.#entries.get(tokenRequestKey(request))?.fetchedAt;
  }

  /** Renewal time of the cached token for this request, for the per-source renewal metric (past while renewals fail). */
  renewalOf(request: TokenRequest): Date | undefined {
    return this.#entries.get(tokenRequestKey(request))?.renewAt;
  }

  /**
   * The earliest renewal time of any cached token: when the controller must next wake up. It may be past (the time
   * came while a reconcile was running): due now. A token whose renewal has failed since its time is left out: the
   * ImagePullSecrets that failed with it retry on their own backoff, and a due time that stays past would spin.
   */
  nextRenewal(): Date | undefined {
    let next: Date | undefined;
    for (const entry of this.#entries.values()) {
      if (!entry.renewAt || (entry.failedAt !== undefined && entry.failedAt >= entry.renewAt.getTime())) continue;
      if (!next || entry.renewAt < next) next = entry.renewAt;
    }
    return next;
  }

  /** Forgets tokens no ImagePullSecret asked for since `before`: credentials do not linger after a CR is gone. */
  prune(before: Date): void {
    for (const [key, entry] of this.#entries) if (entry.lastUsed < before.getTime()) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
