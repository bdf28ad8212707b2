// Removes credentials from any text before it leaves the process: errors stored in status and
// history, log lines, API answers, queue bodies and tool output (DESIGN.md safety rule 4;
// notes/safety.md item 18, after Argo CD CVE-2023-25163 and CVE-2025-55190, where repository
// credentials reached logs and API answers). Pure and dependency-free, so every layer can use it.

/** What a removed value is replaced with. */
export const redactedMark = '[redacted]';

/** Values shorter than this are never registered: redacting "a" or "ok" everywhere helps nobody. */
export const minSecretLength = 6;

/** Secret values this process holds (repo credentials, cluster tokens), in every form they travel. */
const knownSecrets = new Set<string>();
let knownPattern: RegExp | undefined;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Registers a secret value read from the SecretStore, so that `redact` removes it from any text,
 * also base64-, URL- and JSON-encoded. Whoever reads a secret registers it (repo credentials,
 * cluster tokens); too-short or non-string values are ignored. Registration lasts for the process.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string') return;
  const v = value.trim();
  // Known already (its encodings were added with it): a token is registered at every request.
  if (v.length < minSecretLength || knownSecrets.has(v)) return;
  const forms = [
    v,
    encodeURIComponent(v),
    JSON.stringify(v).slice(1, -1),
    Buffer.from(v).toString('base64').replace(/=+$/, ''),
    Buffer.from(v).toString('base64url'),
  ];
  let added = false;
  for (const form of forms) {
    if (form.length >= minSecretLength && !knownSecrets.has(form)) {
      knownSecrets.add(form);
      added = true;
    }
  }
  if (added) knownPattern = undefined;
}

/** Forgets every registered value (tests only: registrations are process-wide). */
export function forgetRegisteredSecrets(): void {
  knownSecrets.clear();
  knownPattern = undefined;
}

function knownSecretsPattern(): RegExp | undefined {
  if (knownSecrets.size === 0) return undefined;
  // Longest first: a value that contains another is removed whole.
  knownPattern ??= new RegExp(
    [...knownSecrets]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return knownPattern;
}

// Characters a credential value is made of in free text: it ends at whitespace, a quote, a
// backslash (JSON escapes), or a delimiter of the surrounding URL or list.
const valueChars = String.raw`[^\s"'\\&#,;<>()\[\]{}]`;

/** PEM private keys (RSA, EC, OPENSSH, PKCS#8, encrypted): whole, cut at the end, or cut at the start. */
const pemWhole = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
const pemTail =
  /(?:^|\n)(?:[ \t]*[A-Za-z0-9+/=:-]{16,}[ \t]*\r?\n)+[ \t]*-----END ([A-Z0-9 ]*)PRIVATE KEY-----/g;

/** `scheme://user:password@host`: the userinfo goes (anywhere in the text, not just at its start). */
// Greedy up to the last `@` before the path: an unescaped `@` in a password goes with it.
// `…@` is already redacted (the form repo-url errors use) and stays, so messages still say why.
const urlUserinfo =
  /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?!…@[^@\s/?#"'<>\\]*(?:[\s/?#"'<>\\]|$))[^\s/?#"'<>\\]*@/g;

/** `user:password@host` without a scheme, after a space, a quote or a line start. */
const bareUserinfo = /(^|[\s"'(=])[^\s/@:"'()=]+:[^\s/@"'()]+@(?=[A-Za-z0-9[])/g;

/** `?private_token=…`, `&X-Amz-Signature=…`: values of credential-like query parameters. */
const secretQuery = new RegExp(String.raw`([?&;])([^=&#\s"'\\]*)=(${valueChars}*)`, 'g');
const secretParamName = /token|key|secret|pass|pwd|auth|sig|cred|session/i;

/** `Authorization: Basic …`, `"authorization":"Bearer …"`, `Proxy-Authorization=…`: the value goes. */
const authorizationHeader =
  /((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token|digest|negotiate|aws4-hmac-sha256)[ \t]+)?[^\r\n"'\\]+/gi;

/** `Basic <base64 of user:password>` and `Bearer <token>` outside a header line. */
const basicCredential = /\b(Basic)[ \t]+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi;
const bearerCredential = /\b(Bearer)[ \t]+([A-Za-z0-9\-._~+/]{8,}=*)/gi;

/** `password=…`, `"client_secret": "…"`, `token: …` in text, JSON, YAML or env dumps. */
const secretAssignment = new RegExp(
  String.raw`\b((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]\s*["']?)(${valueChars}{4,})`,
  'gi',
);

/** Shapes of well-known tokens: GitHub, GitLab, AWS access keys, EKS tokens, JWTs (service accounts). */
const tokenShapes =
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|gl(?:dt|ptt|rt|oas)-[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[A-Z0-9]{16}|k8s-aws-v1\.[A-Za-z0-9_-]{16,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/g;

/** Every pattern below needs one of these; a string without any is left alone quickly. */
const mayHoldCredential =
  /[@=:]|PRIVATE KEY|basic|bearer|gh[pousr]_|github_pat_|gl[a-z]{2,3}-|A[KS]IA|k8s-aws-v1|eyJ/i;

function looksLikeBasicCredential(b64: string): boolean {
  const decoded = Buffer.from(b64, 'base64').toString('latin1');
  return decoded.includes(':') && !/[\x00-\x08\x0e-\x1f]/.test(decoded);
}

function looksLikeBearerToken(token: string): boolean {
  // Prose ("Bearer authentication") is letters only and short; tokens have digits or symbols.
  return token.length >= 20 || /[0-9._~+/=-]/.test(token);
}

/**
 * The text with credentials removed: registered secret values (and their encodings), URL
 * userinfo, credential-like query values, Authorization values, Basic/Bearer credentials,
 * `password=`-style assignments, well-known token shapes and PEM private keys. Works on any
 * text (tool stderr, error messages, JSON); idempotent; never throws.
 */
export function redact(text: string): string {
  if (typeof text !== 'string' || text.length < minSecretLength) return text;
  let out = text;
  const known = knownSecretsPattern();
  if (known) out = out.replace(known, redactedMark);
  // Most strings (names, kinds, phases) hold nothing any pattern below could match.
  if (!mayHoldCredential.test(out)) return out;
  if (out.includes('PRIVATE KEY-----')) {
    // The END line is written even for a key cut short, so a second pass finds the same span.
    out = out.replace(
      pemWhole,
      (_all, kind: string) =>
        `-----BEGIN ${kind}PRIVATE KEY-----${redactedMark}-----END ${kind}PRIVATE KEY-----`,
    );
    out = out.replace(
      pemTail,
      (all, kind: string) =>
        `${all.startsWith('\n') ? '\n' : ''}${redactedMark}-----END ${kind}PRIVATE KEY-----`,
    );
  }
  out = out.replace(
    authorizationHeader,
    (_all, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${redactedMark}`,
  );
  out = out.replace(basicCredential, (all, word: string, b64: string) =>
    looksLikeBasicCredential(b64) ? `${word} ${redactedMark}` : all,
  );
  out = out.replace(bearerCredential, (all, word: string, token: string) =>
    token !== redactedMark && looksLikeBearerToken(token) ? `${word} ${redactedMark}` : all,
  );
  out = out.replace(urlUserinfo, '$1');
  out = out.replace(bareUserinfo, '$1');
  out = out.replace(secretQuery, (all, sep: string, name: string, value: string) =>
    secretParamName.test(name) && value !== '' ? `${sep}${name}=${redactedMark}` : all,
  );
  out = out.replace(secretAssignment, (all, head: string, value: string) =>
    value.startsWith(redactedMark) ? all : `${head}${redactedMark}`,
  );
  out = out.replace(tokenShapes, redactedMark);
  return out;
}

/**
 * A copy of `value` with `redact` applied to every string in it (object keys stay): for log
 * fields, error details and documents built from messages. Cycles and depth beyond 32 are cut.
 */
export function redactDeep<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redact(v);
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Error) return redact(v.message);
    if (seen.has(v) || depth > 32) return '[cut]';
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return v;
    // `seen` holds the ancestors only: an object met twice side by side (an app's health is its
    // worst resource's health object) is copied twice, only a cycle is cut.
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x) => walk(x, depth + 1));
    else {
      const copy: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) copy[k] = walk(x, depth + 1);
      out = copy;
    }
    seen.delete(v);
    return out;
  };
  return walk(value, 0) as T;
}
