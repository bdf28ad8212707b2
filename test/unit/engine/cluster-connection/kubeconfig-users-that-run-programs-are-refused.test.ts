import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { connectionFromKubeConfig } from '../../../../shared/engine/cluster-connection.js';
import { KubeConfigError } from '../../../../shared/engine/errors.js';

function kubeConfig(context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(
    readFileSync(
      fileURLToPath(new URL('../../../fixtures/unit-engine/kubeconfig-users.yaml', import.meta.url)),
      'utf8',
    ),
  );
  kc.setCurrentContext(context);
  return kc;
}

describe('connectionFromKubeConfig', () => {
  test.each(['exec', 'auth-provider'])(
    'an %s user is refused with a KubeConfigError, before anything runs',
    async (context) => {
      const connecting = connectionFromKubeConfig(kubeConfig(context));

      await expect(connecting).rejects.toThrow(KubeConfigError);
      await expect(connecting).rejects.toMatchObject({
        code: 'kubeconfig:user-refused',
        message: `cluster ${context}: kubeconfig users with exec or auth-provider are refused; use a token or client certificate`,
      });
    },
  );

  test('a context whose cluster is not in the kubeconfig is refused with a KubeConfigError', async () => {
    await expect(connectionFromKubeConfig(kubeConfig('nowhere'), 'lab')).rejects.toMatchObject({
      name: 'KubeConfigError',
      code: 'kubeconfig:no-current-cluster',
      message: 'cluster lab: the kubeconfig has no current cluster',
    });
  });

  test('a token user connects to the server without its trailing slash, and the token is sent as a bearer', async () => {
    const connection = await connectionFromKubeConfig(kubeConfig('token'));

    expect(connection.name).toBe('token');
    expect(connection.server).toBe('https://127.0.0.1:6443');
    expect(await connection.authorization()).toBe('Bearer not-a-real-token');
  });
});
