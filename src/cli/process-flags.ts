/**
 * Flags shared by the long-running commands (`controller`, `refresh`): cluster access, renewal timing, metrics and
 * logging. IMPS's own flags are accepted so its manifests work unchanged: `--log.level` is `--log-level`; the
 * periodic resync interval is ignored (renewal is driven by token expiry and watches, never by a timer).
 */
export const processFlags = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'metrics-addr': { type: 'string' },
  'health-addr': { type: 'string' },
  'renew-fraction': { type: 'string' },
  'renew-margin': { type: 'string' },
  'log-level': { type: 'string' },
  'log.level': { type: 'string' },
  'periodic-reconcile-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
