/**
 * A protocol's name linking to its node page (`#/node/<name>`); with a fleet host picked, to that host's node
 * (`#/node/<name>?host=NAME`), never to this machine's node of the same name.
 */
import { h } from '../dom';
import { href } from '../router';

let pickedHost: string | undefined;

/** The host the overview shows (undefined: this machine); set by the host picker. */
export function setNodeLinksHost(host: string | undefined): void {
  pickedHost = host;
}

export function nodeLink(protocol: string, attrs: { testid?: string; title?: string } = {}): HTMLElement {
  const title = pickedHost === undefined ? attrs.title : `${protocol} on ${pickedHost}: health, payouts, history`;
  return h('a', { href: href.node(protocol, pickedHost), class: 'node-link', ...attrs, ...(title ? { title } : {}) }, protocol);
}
