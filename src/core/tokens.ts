/** Static AWS keys read from a source Secret. */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** A private ECR token: one serves every registry the principal can read in that region. */
export interface EcrTokenRequest {
  readonly provider: 'ecr';
  readonly region: string;
  /** Absent: the process's default AWS credential chain (environment, web identity, Pod Identity, profile). */
  readonly keys?: AwsKeys | undefined;
  readonly roleArn?: string | undefined;
}

export type TokenRequest = EcrTokenRequest;

/** A registry login minted by a cloud, valid until `expiresAt`. */
export interface RegistryToken {
  readonly username: string;
  readonly password: string;
  readonly expiresAt?: Date | undefined;
}

/**
 * Everything that changes the token, so equal keys can share one token call. Kept in memory only: it holds
 * credentials. (IMPS keyed its cache without the role ARN, so two roles on the same keys shared a token.)
 */
export function tokenRequestKey(request: TokenRequest): string {
  return JSON.stringify([
    request.provider,
    request.region,
    request.keys?.accessKeyId ?? null,
    request.keys?.secretAccessKey ?? null,
    request.keys?.sessionToken ?? null,
    request.roleArn ?? null,
  ]);
}

/** Registry host of a private ECR registry; China regions live under amazonaws.com.cn. */
export function ecrRegistryHost(accountId: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${accountId}.dkr.ecr.${region}.${suffix}`;
}
