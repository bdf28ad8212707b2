// A DNS stand-in for url-guard tests: host names map to fixed addresses, nothing leaves the machine.
import type { ResolvedAddress } from '../../../../shared/source/url-guard.js';

export function lookupFrom(table: Record<string, string[]>): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** A lookup that fails the test if it is called: the check must decide without DNS. */
export async function noLookup(host: string): Promise<ResolvedAddress[]> {
  throw new Error(`unexpected DNS lookup of ${host}`);
}
