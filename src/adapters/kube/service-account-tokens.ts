import { asRecord, stringMap } from '../../core/records.js';
import type { ServiceAccountTokens } from '../../ports/service-account-tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { KubeApiError, type KubeHttp } from './kube-http.js';

/** The least the API server accepts (ValidateTokenRequest: at least 10 minutes): the token is used once, at once. */
const TOKEN_SECONDS = 600;

const path = (namespace: string, name: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`;

/**
 * ServiceAccount tokens through the controller's own API client: a GET for the annotations, a TokenRequest
 * (authentication.k8s.io/v1) for the token, as msi-acrpull's v1beta2 controller does. Needs `get` on serviceaccounts
 * and `create` on serviceaccounts/token; deploy/acrpull's admission policy limits the token to one audience.
 */
export function serviceAccountTokens(http: KubeHttp): ServiceAccountTokens {
  return {
    async annotations(namespace, name) {
      try {
        const object = await http.request('GET', path(namespace, name));
        return stringMap(asRecord(asRecord(object)['metadata'])['annotations']);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw new TokenError(`ServiceAccount ${namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    async token(namespace, name, audience) {
      let reply: unknown;
      try {
        reply = await http.request('POST', `${path(namespace, name)}/token`, {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [audience], expirationSeconds: TOKEN_SECONDS } },
        });
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) throw new TokenError(`service account "${name}" not found in namespace ${namespace}`);
        throw new TokenError(`token of ServiceAccount ${namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const token = asRecord(asRecord(reply)['status'])['token'];
      if (typeof token !== 'string' || token === '') throw new TokenError(`token of ServiceAccount ${namespace}/${name}: the API server's reply has no token`);
      return token;
    },
  };
}
