/**
 * What workload identity for an AcrPullBinding needs from the API server (msi-acrpull v1beta2): a ServiceAccount's
 * annotations, and a token of that ServiceAccount for one audience (TokenRequest). Only the controller has one;
 * render faces pass none and refuse such a binding.
 */
export interface ServiceAccountTokens {
  /** The ServiceAccount's annotations; undefined when it does not exist. */
  annotations(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** A short-lived token of the ServiceAccount for `audience` (POST .../serviceaccounts/<name>/token). */
  token(namespace: string, name: string, audience: string): Promise<string>;
}
