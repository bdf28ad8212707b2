// Project tokens for automation (Argo CD's `argocd proj role create-token`): a bearer token that
// acts as one project role. The token is `gfp_<id>_<secret>`; the store keeps only the secret's
// SHA-256 (a leaked table issues nothing), and deleting the record revokes it at once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ProjectToken } from '../domain/access-records.js';
import type { StateStore } from '../ports/state-store.js';
import { AuthError, type BearerCheck } from './authenticate.js';
import { projectRoleSubject } from './project-roles.js';

const tokenShape = /^gfp_([a-f0-9]{32})_([A-Za-z0-9_-]{43})$/;

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Issues a token for `project`'s `role`; the token is shown once, only its hash is stored. */
export async function issueProjectToken(
  store: StateStore,
  opts: { project: string; role: string; issuedBy: string; expiresInSeconds?: number; now?: number },
): Promise<{ token: string; record: ProjectToken }> {
  const id = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const now = opts.now ?? Date.now();
  const record: ProjectToken = {
    name: id,
    project: opts.project,
    role: opts.role,
    secretHash: hashOf(secret),
    issuedAt: now,
    ...(opts.expiresInSeconds ? { expiresAt: now + opts.expiresInSeconds * 1000 } : {}),
    issuedBy: opts.issuedBy,
  };
  await store.putProjectToken(record);
  return { token: `gfp_${id}_${secret}`, record };
}

/** Accepts live project tokens whose role still exists in their project. */
export function projectTokenCheck(store: StateStore, now: () => number = Date.now): BearerCheck {
  return {
    identify: async (token) => {
      if (!token.startsWith('gfp_')) return undefined;
      const m = tokenShape.exec(token);
      if (!m) throw new AuthError('the project token is malformed');
      const record = await store.getProjectToken(m[1]!);
      const want = Buffer.from(record?.secretHash ?? '0'.repeat(64), 'hex');
      const got = Buffer.from(hashOf(m[2]!), 'hex');
      if (!record || !timingSafeEqual(want, got))
        throw new AuthError('the project token is revoked or unknown');
      if (record.expiresAt !== undefined && record.expiresAt <= now())
        throw new AuthError('the project token has expired');
      const project = await store.getProject(record.project);
      if (!project?.roles?.some((r) => r.name === record.role))
        throw new AuthError(`the project token's role ${record.project}/${record.role} no longer exists`);
      return {
        subject: projectRoleSubject(record.project, record.role),
        groups: [],
        method: 'project-token',
        tokenId: record.name,
        expiresAt: record.expiresAt === undefined ? undefined : Math.floor(record.expiresAt / 1000),
      };
    },
  };
}
