// The credentials inside a Lambda function: the runtime puts the function role's session in the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and nothing else
// is needed. The function bundles resolve the SDK's default chain (`@aws-sdk/credential-provider-node`:
// profiles, SSO, web identity, process, containers and instance metadata, with the STS and SSO
// clients they bring) to this module instead: about 140 KB less to
// compile at every cold start. Outside Lambda, a bundle without those variables fails its first
// AWS call with the SDK's CredentialsProviderError, whatever profile files exist.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
