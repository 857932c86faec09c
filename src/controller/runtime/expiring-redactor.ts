import { Redactor } from '../../core/redaction.js';
import type { Clock } from '../../ports/clock.js';

/**
 * A Redactor for a process that runs for months: every renewed token is a new credential to blank out, so the
 * set would grow forever (an ECR token is ~2 KB, four renewals a day per credential). Values not remembered again
 * for a while are forgotten: renewed-away tokens have expired by then, and credentials still in use (static keys,
 * current tokens) are remembered again on every reconcile. Redaction itself is the core Redactor's.
 */
export class ExpiringRedactor extends Redactor {
  constructor(clock: Clock) {
    super(() => clock.now().getTime());
  }

  /** Forgets values last remembered before `before`. */
  forgetOlderThan(before: Date): void {
    this.forgetSeenBefore(before.getTime());
  }
}
