// A self-signed certificate for the loopback fakes that must speak https: Entra ID (MSAL accepts only https
// authorities) and, behind the CONNECT proxy fake, oauth2.googleapis.com (google-auth-library ignores a key's
// token_uri). Made with the openssl CLI at test time, so no key material is committed. Node reads
// NODE_EXTRA_CA_CERTS only at start-up: the clients that need it run in a child process.
import { generateCert } from '../fakes/tls.js';

export interface CloudTls {
  readonly key: string;
  readonly cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
}

/** AWS endpoints (their own names, no AWS_ENDPOINT_URL_*) that tests may reach: ECR in eu-west-1 and us-east-1, ECR Public, STS. */
export const AWS_HOSTS = ['api.ecr.eu-west-1.amazonaws.com', 'api.ecr.us-east-1.amazonaws.com', 'api.ecr-public.us-east-1.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'sts.us-east-1.amazonaws.com'];

let cached: CloudTls | undefined;

export function cloudTls(): CloudTls {
  if (cached) return cached;
  // *.azurecr.io: registries named in manifests as users write them (test/fakes/host-redirect.mjs sends them here).
  // The AWS names: the endpoints the SDK picks itself in tests that reach the fakes by name (AWS_HOSTS).
  const aws = AWS_HOSTS.map((host) => `,DNS:${host}`).join('');
  const generated = generateCert('/CN=imps-krm test fakes', `IP:127.0.0.1,DNS:localhost,DNS:oauth2.googleapis.com,DNS:*.azurecr.io${aws}`);
  if (!generated) throw new Error('openssl is needed to make the cloud fakes\' certificate');
  cached = { key: generated.key, cert: generated.cert, caFile: generated.certFile };
  return cached;
}
