/** The dashboard's pages, addressed by the URL's hash so a reload or a shared link opens the same page. */

export type Route = { page: 'overview' } | { page: 'settings' } | { page: 'node'; protocol: string };

export function currentRoute(hash: string = location.hash): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'node' && parts[1]) {
    try {
      return { page: 'node', protocol: decodeURIComponent(parts[1]) };
    } catch {
      return { page: 'overview' };
    }
  }
  return { page: 'overview' };
}

export const href = {
  overview: '#/',
  settings: '#/settings',
  node: (protocol: string) => `#/node/${encodeURIComponent(protocol)}`,
};
