import { KubeApiError, type KubeHttp } from '../../adapters/kube/kube-http.js';
import { asRecord } from '../../core/records.js';
import type { Logger } from './logger.js';
import { sleep, type Timers } from './timers.js';

export interface LeaderElectionOptions {
  readonly http: KubeHttp;
  readonly timers: Timers;
  readonly log: Logger;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica: the Pod name and a random suffix. */
  readonly identity: string;
  /** client-go's defaults: 15 s lease, renew within 10 s, retry every 2 s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

interface LeaseRecord {
  holder: string;
  resourceVersion: string;
  transitions: number;
  acquireTime: string | undefined;
}

/** MicroTime, as the Lease API writes it. */
const microTime = (time: Date): string => time.toISOString().replace(/Z$/, '000Z');

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: take the Lease when it is free or its
 * holder has not renewed for a lease duration (measured on our clock from when we saw the record change, so clock
 * skew between replicas does not matter), renew every retry period, and give up leadership when renewals fail for
 * the renew deadline. Every write carries the resourceVersion read: two replicas can never both win.
 */
export class LeaderElector {
  readonly #duration: number;
  readonly #deadline: number;
  readonly #retry: number;
  #observed: { record: string; at: number } | undefined;
  #leading = false;
  #stop = new AbortController();
  #renewing: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.#duration = options.leaseDurationMs ?? 15_000;
    this.#deadline = options.renewDeadlineMs ?? 10_000;
    this.#retry = options.retryPeriodMs ?? 2_000;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Resolves true once this replica leads, false if stopped first. */
  async acquire(): Promise<boolean> {
    while (!this.#stop.signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.options.log.info('became leader', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity });
        return true;
      }
      await sleep(this.options.timers, this.#retry, this.#stop.signal);
    }
    return false;
  }

  /** Renews until stopped; calls `onLost` once if a renewal does not succeed within the renew deadline. */
  keepRenewing(onLost: () => void): void {
    this.#renewing = (async () => {
      let lastRenew = this.options.timers.now().getTime();
      while (!this.#stop.signal.aborted) {
        await sleep(this.options.timers, this.#retry, this.#stop.signal);
        if (this.#stop.signal.aborted) return;
        if (await this.#tryAcquireOrRenew()) {
          lastRenew = this.options.timers.now().getTime();
        } else if (this.options.timers.now().getTime() - lastRenew >= this.#deadline || this.#observed?.record.startsWith('other:')) {
          this.#leading = false;
          this.options.log.error('lost leadership', { lease: `${this.options.namespace}/${this.options.name}` });
          onLost();
          return;
        }
      }
    })();
  }

  /** Stops renewing and, when leading, frees the Lease so another replica takes over at once, not after 15 s. */
  async release(): Promise<void> {
    this.#stop.abort();
    await this.#renewing;
    if (!this.#leading) return;
    this.#leading = false;
    try {
      const lease = await this.#read();
      if (lease && lease.holder === this.options.identity) {
        await this.#write(lease, { holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.options.timers.now()) });
      }
    } catch (error) {
      this.options.log.warn('cannot release the lease', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { timers, identity } = this.options;
    const now = timers.now();
    try {
      const lease = await this.#read();
      if (!lease) {
        await this.options.http.request('POST', this.#path(), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.options.name, namespace: this.options.namespace },
            spec: this.#spec(now, now, 0),
          },
        });
        return true;
      }
      const record = `${lease.holder === identity ? 'self' : 'other'}:${lease.holder}:${lease.resourceVersion}`;
      if (this.#observed?.record !== record) this.#observed = { record, at: now.getTime() };
      const heldByOther = lease.holder !== '' && lease.holder !== identity;
      if (heldByOther && now.getTime() - this.#observed.at < this.#duration) return false;
      const takeover = lease.holder !== identity;
      await this.#write(lease, this.#spec(takeover ? now : lease.acquireTime ?? now, now, lease.transitions + (takeover ? 1 : 0)));
      return true;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) {
        this.options.log.warn('lease request failed', { error: error instanceof Error ? error.message : String(error) });
      }
      return false;
    }
  }

  #spec(acquired: Date | string, renewed: Date, transitions: number): Record<string, unknown> {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.#duration / 1000),
      acquireTime: typeof acquired === 'string' ? acquired : microTime(acquired),
      renewTime: microTime(renewed),
      leaseTransitions: transitions,
    };
  }

  #path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async #read(): Promise<LeaseRecord | undefined> {
    try {
      const lease = asRecord(await this.options.http.request('GET', this.#path(this.options.name)));
      const spec = asRecord(lease['spec']);
      const meta = asRecord(lease['metadata']);
      return {
        holder: typeof spec['holderIdentity'] === 'string' ? spec['holderIdentity'] : '',
        resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '',
        transitions: typeof spec['leaseTransitions'] === 'number' ? spec['leaseTransitions'] : 0,
        acquireTime: typeof spec['acquireTime'] === 'string' ? spec['acquireTime'] : undefined,
      };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async #write(lease: LeaseRecord, spec: Record<string, unknown>): Promise<void> {
    await this.options.http.request('PUT', this.#path(this.options.name), {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name, namespace: this.options.namespace, resourceVersion: lease.resourceVersion },
        spec,
      },
    });
  }
}
