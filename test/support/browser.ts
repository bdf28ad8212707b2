// A browser's part in a sign-in, done with fetch: follows redirects one by one, keeps cookies per
// origin (names and values; the tests check the attributes themselves), and submits the
// provider's forms.
export class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every Set-Cookie header seen, with its attributes. */
  readonly setCookies: string[] = [];

  cookiesFor(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const jar = this.cookiesFor(url);
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line))
        jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** GETs `url` and follows redirects until a page that is not one; returns it and where it is. */
  async follow(url: string, init: RequestInit = {}, hops = 20): Promise<{ res: Response; url: string }> {
    let res = await this.request(url, init);
    while (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      if (--hops < 0) throw new Error(`too many redirects from ${url}`);
      url = new URL(res.headers.get('location')!, url).toString();
      res = await this.request(url);
    }
    return { res, url };
  }

  /**
   * Completes oidc-provider's devInteractions from `url` on: the login form as `user`, then the
   * consent form, following redirects, until a URL outside the provider is reached or a page is
   * answered; returns that last response.
   */
  async signIn(url: string, user: string, issuer: string): Promise<{ res: Response; url: string }> {
    let at = await this.follow(url);
    for (let step = 0; step < 8 && at.url.startsWith(issuer) && at.res.status === 200; step++) {
      const html = await at.res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) return at;
      const fields = new URLSearchParams();
      for (const m of html.matchAll(/<input[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(m[0])?.[1];
        if (name) fields.set(name, /value="([^"]*)"/.exec(m[0])?.[1] ?? '');
      }
      if (/name="login"/.test(html) && fields.get('prompt') === 'login') {
        fields.set('login', user);
        fields.set('password', 'x');
      }
      if (/name="confirm"/.test(html)) fields.set('confirm', 'yes');
      const body = fields;
      const first = await this.request(new URL(action, at.url).toString(), {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const next = first.headers.get('location');
      at = next ? await this.follow(new URL(next, at.url).toString()) : { res: first, url: at.url };
    }
    return at;
  }
}
