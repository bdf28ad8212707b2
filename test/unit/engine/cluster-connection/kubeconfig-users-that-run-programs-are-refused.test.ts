import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectionFromKubeconfig } from '../../../../shared/engine/cluster-connection.js';
import { KubeConfigError } from '../../../../shared/engine/errors.js';
import { parseKubeconfig, type Kubeconfig } from '../../../../shared/engine/kubeconfig.js';

function kubeConfig(context: string): Kubeconfig {
  const kc = parseKubeconfig(
    readFileSync(
      fileURLToPath(new URL('../../../fixtures/unit-engine/kubeconfig-users.yaml', import.meta.url)),
      'utf8',
    ),
    'kubeconfig-users.yaml',
  );
  return { ...kc, currentContext: context };
}

describe('connectionFromKubeconfig', () => {
  test.each(['exec', 'auth-provider'])(
    'an %s user is refused with a KubeConfigError, before anything runs',
    async (context) => {
      const connecting = connectionFromKubeconfig(kubeConfig(context));

      await expect(connecting).rejects.toThrow(KubeConfigError);
      await expect(connecting).rejects.toMatchObject({
        code: 'kubeconfig:user-refused',
        message: `cluster ${context}: kubeconfig users with exec or auth-provider are refused; use a token or client certificate`,
      });
    },
  );

  test('a user whose token is in a file on the deployer host is refused, and the file is not read', async () => {
    await expect(connectionFromKubeconfig(kubeConfig('token-file'))).rejects.toMatchObject({
      code: 'kubeconfig:user-refused',
      message:
        'cluster token-file: kubeconfig users with a tokenFile are refused; put the token in the kubeconfig',
    });
  });

  test('a context whose cluster is not in the kubeconfig is refused with a KubeConfigError', async () => {
    await expect(connectionFromKubeconfig(kubeConfig('nowhere'), 'lab')).rejects.toMatchObject({
      name: 'KubeConfigError',
      code: 'kubeconfig:no-current-cluster',
      message: 'cluster lab: the kubeconfig has no current cluster',
    });
  });

  test('a token user connects to the server without its trailing slash, and the token is sent as a bearer', async () => {
    const connection = await connectionFromKubeconfig(kubeConfig('token'));

    expect(connection.name).toBe('token');
    expect(connection.server).toBe('https://127.0.0.1:6443');
    expect(await connection.authorization()).toBe('Bearer not-a-real-token');
  });
});
