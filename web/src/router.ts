/**
 * The dashboard's pages, addressed by the URL's hash so a reload or a shared link opens the same page. A fleet host
 * picked in the host picker travels as `?host=NAME` (`#/?host=edge`, `#/node/storj?host=edge`).
 */

export type Route = { page: 'overview'; host?: string } | { page: 'settings' } | { page: 'node'; protocol: string; host?: string };

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function currentRoute(hash: string = location.hash): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/');
  const named = new URLSearchParams(query).get('host');
  const host = named !== null && HOST_NAME.test(named) ? named : undefined;
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'node' && parts[1]) {
    try {
      return { page: 'node', protocol: decodeURIComponent(parts[1]), ...(host ? { host } : {}) };
    } catch {
      return { page: 'overview' };
    }
  }
  return { page: 'overview', ...(host ? { host } : {}) };
}

const withHost = (path: string, host: string | undefined) => (host === undefined ? path : `${path}?host=${encodeURIComponent(host)}`);

export const href = {
  overview: '#/',
  settings: '#/settings',
  /** The overview showing a fleet host (undefined: this machine). */
  overviewOf: (host: string | undefined) => withHost('#/', host),
  /** A node's page: this machine's, or with `host` that host's node of this name. */
  node: (protocol: string, host?: string) => withHost(`#/node/${encodeURIComponent(protocol)}`, host),
};
