// What the store keeps for access control: project tokens (hashed) and the audit trail.

/**
 * A token a project role issued for automation (Argo CD's project JWT tokens). Only a SHA-256 of
 * its secret is kept; `name` is the token id. A revoked token is deleted: absent means refused.
 */
export interface ProjectToken {
  name: string;
  project: string;
  role: string;
  /** hex SHA-256 of the token's secret part. */
  secretHash: string;
  issuedAt: number;
  /** Epoch ms after which it is refused; none means until revoked. */
  expiresAt?: number;
  /** Who issued it (a subject). */
  issuedBy: string;
}

/** One entry of the audit trail: who did what, when, from where, and how it ended. */
export interface AuditEntry {
  /** `<epoch ms, 15 digits>-<random>`: entries sort by time by name. */
  name: string;
  at: number;
  subject: string;
  groups: string[];
  /** How the caller authenticated, and the token id when one was used. */
  method: string;
  tokenId?: string;
  /** `POST /api/v1/apps/web/sync`, or a queue-driven verb such as `sync`. */
  action: string;
  /** The permission checked, as `resource, action, object`. */
  permission?: string;
  /** The app the entry is about, if any (for `app history`). */
  app?: string;
  /** allowed (then the answer's status), denied (403), failed (401). */
  result: 'allowed' | 'denied' | 'unauthenticated';
  status?: number;
  /** The caller's address as the server saw it (X-Forwarded-For only when configured). */
  source?: string;
  /**
   * Epoch ms after which the entry may be dropped (its retention): DynamoDB's TTL removes it, and
   * no store lists it after then.
   */
  expiresAt?: number;
}

/**
 * A revoked sign-in, kept until nothing it refuses could still be accepted. `session:<id>` refuses
 * one session or token (sign-out); `subject:<sha256 of the subject>` refuses every session and
 * token of a user issued before `revokedAt` (an admin's revoke-sessions).
 */
export interface SessionRevocation {
  name: string;
  /** Epoch ms of the revocation. */
  revokedAt: number;
  /** Epoch ms when the record goes (the longest-lived credential it refuses has expired by then). */
  expiresAt: number;
  /** Who revoked (a subject). */
  revokedBy: string;
}
