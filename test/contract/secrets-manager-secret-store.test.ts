import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretStore } from '../../shared/adapters/aws/secrets-manager-secret-store.js';
import { awsClientConfig, uniqueName } from '../support/testbed.js';
import { describeSecretStoreContract } from './secret-store-contract.js';

describeSecretStoreContract('SecretsManagerSecretStore on moto', async (seed) => {
  const client = new SecretsManagerClient(awsClientConfig());
  const prefix = `${uniqueName('contract')}/`;
  for (const [name, value] of Object.entries(seed))
    await client.send(new CreateSecretCommand({ Name: `${prefix}${name}`, SecretString: value }));
  const rotate = async (name: string, value: string) => {
    try {
      await client.send(new PutSecretValueCommand({ SecretId: `${prefix}${name}`, SecretString: value }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      await client.send(new CreateSecretCommand({ Name: `${prefix}${name}`, SecretString: value }));
    }
  };
  return {
    store: new SecretsManagerSecretStore(client, { prefix }),
    rotate,
    dispose: async () => client.destroy(),
  };
});
