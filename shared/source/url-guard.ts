// Refuses repository and chart URLs that would make Gitferry reach into its own network: loopback,
// link-local (the cloud metadata service at 169.254.169.254), private ranges (DESIGN.md safety
// rule 6; notes/safety.md items 14 and 16). Only http(s) is spoken: no file://, ext::, ssh or git
// transports, so no option or command can ride in on a URL.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SourceError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Options of `checkUrlAllowed`; all optional (see `defaultUrlGuardOptions`). */
export interface UrlGuardOptions {
  /**
   * Allow private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) for repositories on an
   * internal network (default false). Loopback, link-local and cloud metadata addresses stay
   * refused: only `allowedHosts` opens those.
   */
  allowPrivate?: boolean;
  /**
   * Host names (exact, case-insensitive) or addresses and CIDRs (`127.0.0.1/32`, `fd00::/8`) let
   * through without any check: for the test bed and for admins (default none).
   */
  allowedHosts?: string[];
  /** Resolves a host name to all its addresses (default: dns.promises.lookup with `all: true`). */
  lookup?: (host: string) => Promise<ResolvedAddress[]>;
  /** What errors call the URL (default `URL`), e.g. `repository URL`. */
  what?: string;
}

export const defaultUrlGuardOptions = {
  allowPrivate: false,
  allowedHosts: [] as string[],
  lookup: (host: string): Promise<ResolvedAddress[]> => dnsLookup(host, { all: true, verbatim: true }),
  what: 'URL',
};

/** Why an address is refused, as the error says it: `a loopback address`. */
export type AddressKind =
  'loopback' | 'link-local' | 'metadata' | 'private' | 'unspecified' | 'multicast' | 'reserved';

const kindWords: Record<AddressKind, string> = {
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  metadata: 'a link-local cloud metadata address',
  private: 'a private address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

// --- Addresses ----------------------------------------------------------------------------------

/** An address as 8 groups of 16 bits; IPv4 as the IPv4-mapped IPv6 address ::ffff:a.b.c.d. */
type Groups = number[];

function parseIPv4(text: string): Groups | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  return [0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d];
}

function parseIPv6(text: string): Groups | undefined {
  let body = text.replace(/%.*$/, '');
  if (isIP(body) !== 6) return undefined;
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = parseIPv4(dotted[1]!);
    if (!v4) return undefined;
    body = `${body.slice(0, dotted.index)}${v4[6]!.toString(16)}:${v4[7]!.toString(16)}`;
  }
  const halves = body.split('::');
  const toGroups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = toGroups(halves[0]!);
  const rest = halves.length > 1 ? toGroups(halves[1]!) : [];
  const zeros = 8 - head.length - rest.length;
  if (zeros < 0 || (halves.length === 1 && zeros !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Parses an IPv4 or IPv6 address (brackets and a zone id allowed); undefined if it is not one. */
function parseAddress(text: string): Groups | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return isIP(bare) === 4 ? parseIPv4(bare) : parseIPv6(bare);
}

function inPrefix(groups: Groups, prefix: Groups, bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((groups[i]! & mask) !== (prefix[i]! & mask)) return false;
  }
  return true;
}

interface Cidr {
  prefix: Groups;
  bits: number;
}

/** `a.b.c.d/n` or `v6/n` (an address alone is a single host); IPv4 prefixes map into ::ffff:0:0/96. */
function parseCidr(text: string): Cidr | undefined {
  const [addr, len, ...more] = text.split('/');
  if (more.length > 0 || addr === undefined) return undefined;
  const v4 = isIP(addr) === 4;
  const prefix = parseAddress(addr);
  if (!prefix) return undefined;
  const max = v4 ? 32 : 128;
  const n = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(n >= 0 && n <= max)) return undefined;
  return { prefix, bits: v4 ? 96 + n : n };
}

const table = (entries: [string, AddressKind][]) =>
  entries.map(([cidr, kind]) => ({ ...parseCidr(cidr)!, kind }));

// IANA special-purpose registries (RFC 6890 and successors). Order matters: first match wins.
const ipv4Ranges = table([
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT, shared address space
  ['127.0.0.0/8', 'loopback'],
  ['169.254.169.254/32', 'metadata'], // EC2, GCE and Azure instance metadata
  ['169.254.170.2/32', 'metadata'], // ECS task metadata and credentials
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
]);

const ipv6Ranges = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'reserved'], // documentation
  ['fd00:ec2::/32', 'metadata'], // EC2's IPv6 instance metadata, DNS and time service
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['ff00::/8', 'multicast'],
]);

/** Prefixes that carry an IPv4 address in their last 32 bits, which decides where packets go. */
const embeddingLast32 = [
  parseCidr('::ffff:0:0/96')!, // IPv4-mapped
  parseCidr('64:ff9b::/96')!, // NAT64
  parseCidr('64:ff9b:1::/48')!, // local-use NAT64
];
const ipv4Compatible = parseCidr('::/96')!;
const sixToFour = parseCidr('2002::/16')!;

function formatIPv4(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function classifyIPv4(text: string): AddressKind | undefined {
  const groups = parseIPv4(text)!;
  return ipv4Ranges.find((r) => inPrefix(groups, r.prefix, r.bits))?.kind;
}

/**
 * Why an IP address may not be fetched from, or undefined when it is public. IPv6 addresses that
 * embed an IPv4 address (IPv4-mapped ::ffff:127.0.0.1, IPv4-compatible, NAT64, 6to4) are judged
 * by the IPv4 address they reach. Returns the decoded IPv4 address too, for the message.
 */
export function classifyAddress(address: string): { kind?: AddressKind; ipv4?: string } {
  const groups = parseAddress(address);
  if (!groups) return { kind: 'reserved' };
  for (const r of embeddingLast32)
    if (inPrefix(groups, r.prefix, r.bits)) {
      const ipv4 = formatIPv4(groups[6]!, groups[7]!);
      return { kind: classifyIPv4(ipv4), ipv4 };
    }
  const v6 = ipv6Ranges.find((r) => inPrefix(groups, r.prefix, r.bits))?.kind;
  if (v6) return { kind: v6 };
  if (inPrefix(groups, ipv4Compatible.prefix, ipv4Compatible.bits)) {
    // Deprecated (RFC 4291) and never routed: refused even when the IPv4 address is public.
    const ipv4 = formatIPv4(groups[6]!, groups[7]!);
    return { kind: classifyIPv4(ipv4) ?? 'reserved', ipv4 };
  }
  if (inPrefix(groups, sixToFour.prefix, sixToFour.bits)) {
    const ipv4 = formatIPv4(groups[1]!, groups[2]!);
    const kind = classifyIPv4(ipv4);
    return kind ? { kind, ipv4 } : {};
  }
  return {};
}

// --- URLs ---------------------------------------------------------------------------------------

/** Query parameters that carry credentials (GitLab's private_token, signed URLs…). */
const secretParam = /token|key|secret|pass|auth|sig|cred/i;

/**
 * A URL fit for messages and logs: user name and password removed, credential-like query values
 * masked. Works on strings that are not valid URLs too (scp-like `user@host:path`, garbage).
 */
export function redactUrl(url: string): string {
  let out = url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\\]*@/, '$1');
  // scp-like syntax: user@host:path (no scheme)
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(out)) out = out.replace(/^[^/@:]*@(?=[^/]*:)/, '');
  // Anything else shaped like user:password@ (a URL inside free text).
  out = out.replace(/(^|[\s/])[^\s/@:]+:[^\s/@]*@/g, '$1');
  out = out.replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) =>
    secretParam.test(name) ? `${sep}${name}=redacted` : all,
  );
  return out;
}

function matchesAllowed(host: string, address: string | undefined, allowed: string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  for (const entry of allowed) {
    const e = entry.trim().toLowerCase();
    if (e.replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1') === name.replace(/^\[(.*)\]$/, '$1')) return true;
    if (address === undefined) continue;
    const cidr = parseCidr(e.replace(/^\[(.*)\]$/, '$1'));
    const groups = parseAddress(address);
    if (cidr && groups && inPrefix(groups, cidr.prefix, cidr.bits)) return true;
  }
  return false;
}

/** A URL that passed the guard, with the addresses it may be connected to. */
export interface VettedUrl {
  url: URL;
  /** The host as the connection resolves it (brackets of IPv6 literals removed). */
  host: string;
  /**
   * The addresses that passed, for a connection to use instead of resolving the name again (a
   * second lookup could answer differently: DNS rebinding). Undefined when the host was let
   * through by name (`allowedHosts`): the admin trusts whatever it resolves to.
   */
  addresses?: ResolvedAddress[];
}

/**
 * Refuses (SourceError `source:url-refused`) a URL Gitferry must not fetch from: any scheme but
 * http and https, no host, or a host that is, or resolves to, a loopback, link-local, metadata,
 * unspecified, multicast, reserved or (unless `allowPrivate`) private address. IP literals are
 * judged as Node's URL parser normalises them (2130706433, 0x7f.1 and 0177.0.0.1 are 127.0.0.1).
 * Every resolved address must pass, not just the first. Messages carry the URL through
 * `redactUrl`. A host that does not resolve is `source:url-unresolved`.
 *
 * The check is made on a lookup the HTTP client would repeat: connect with `vetUrl`'s addresses
 * (guarded-http.ts does) and check each redirect's Location again.
 */
export async function checkUrlAllowed(url: string, opts: UrlGuardOptions = {}): Promise<void> {
  await vetUrl(url, opts);
}

/** `checkUrlAllowed`, returning the addresses that passed so the connection can use exactly those. */
export async function vetUrl(url: string, opts: UrlGuardOptions = {}): Promise<VettedUrl> {
  const o = { ...defaultUrlGuardOptions, ...opts };
  const shown = redactUrl(url);
  const refuse = (why: string) => new SourceError('source:url-refused', `${o.what} ${shown} refused: ${why}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('not a valid URL (only http:// and https:// URLs are allowed)');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw refuse(`the ${parsed.protocol.replace(/:$/, '')} scheme is not allowed (only http and https)`);
  const host = parsed.hostname;
  if (host === '') throw refuse('it names no host');
  if (host.startsWith('-')) throw refuse('the host name starts with "-"');
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (matchesAllowed(host, undefined, o.allowedHosts)) return { url: parsed, host: bare };

  const literal = parseAddress(host) ? bare : undefined;
  let resolved: ResolvedAddress[];
  if (literal !== undefined) {
    resolved = [{ address: literal, family: isIP(literal) }];
  } else {
    try {
      resolved = await o.lookup(host);
    } catch (err) {
      throw new SourceError(
        'source:url-unresolved',
        `${o.what} ${shown}: host ${host} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`,
        { cause: err },
      );
    }
    if (resolved.length === 0) throw refuse(`host ${host} resolves to no address`);
  }
  for (const { address } of resolved) {
    if (matchesAllowed(host, address, o.allowedHosts)) continue;
    const { kind, ipv4 } = classifyAddress(address);
    if (kind === undefined || (kind === 'private' && o.allowPrivate)) continue;
    const named = ipv4 && ipv4 !== address ? `${address} (${ipv4})` : address;
    const verb = literal !== undefined ? 'its host is' : `its host ${host} resolves to`;
    const hint = kind === 'private' ? ' (an admin can allow private addresses)' : '';
    throw refuse(`${verb} ${named}, ${kindWords[kind]}${hint}`);
  }
  return {
    url: parsed,
    host: bare,
    addresses: resolved.map((r) => ({ address: r.address, family: r.family || isIP(r.address) })),
  };
}
