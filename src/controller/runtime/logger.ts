import type { Redactor } from '../../core/redaction.js';
import type { Clock } from '../../ports/clock.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | readonly string[]>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * One JSON object per line on stderr (stdout stays for data). Every line passes the redactor as a whole, so a
 * credential that reached a message or a field through an SDK error is blanked before it is written.
 */
export function jsonLogger(out: NodeJS.WritableStream, redactor: Redactor, clock: Clock, level: LogLevel = 'info'): Logger {
  const write = (at: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (ORDER[at] < ORDER[level]) return;
    const line = JSON.stringify({ time: clock.now().toISOString(), level: at, msg, ...fields });
    out.write(`${redactor.redact(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
