/** The dashboard's addresses: a fleet host travels as `?host=NAME` on the overview and on a node's page. */
import { expect, it } from 'vitest';
import { currentRoute, href } from '../../web/src/router.js';

it('reads the page and the fleet host from the hash, and writes them back the same way', () => {
  expect(currentRoute('#/')).toEqual({ page: 'overview' });
  expect(currentRoute('#/?host=edge-1')).toEqual({ page: 'overview', host: 'edge-1' });
  expect(currentRoute('#/node/storj')).toEqual({ page: 'node', protocol: 'storj' });
  expect(currentRoute('#/node/storj?host=edge-1')).toEqual({ page: 'node', protocol: 'storj', host: 'edge-1' });
  expect(currentRoute('#/settings?host=edge-1')).toEqual({ page: 'settings' });
  for (const [protocol, host] of [['my node', 'rack.2'], ['storj', undefined]] as const) {
    expect(currentRoute(href.node(protocol, host))).toEqual({ page: 'node', protocol, ...(host ? { host } : {}) });
    expect(currentRoute(href.overviewOf(host))).toEqual({ page: 'overview', ...(host ? { host } : {}) });
  }
  // A name no host can have is ignored (this machine), not passed on to the API.
  expect(currentRoute('#/node/storj?host=not%20a%20host')).toEqual({ page: 'node', protocol: 'storj' });
  expect(currentRoute('#/?host=')).toEqual({ page: 'overview' });
});
