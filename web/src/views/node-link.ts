/**
 * A protocol's name linking to its node page (`#/node/<name>`). Node pages show this machine's nodes: with a fleet
 * host picked, the name is plain text that says so, never a link to this machine's node of the same name.
 */
import { h } from '../dom';
import { href } from '../router';

let pickedHost: string | undefined;

/** The host the overview shows (undefined: this machine); set by the host picker. */
export function setNodeLinksHost(host: string | undefined): void {
  pickedHost = host;
}

export function nodeLink(protocol: string, attrs: { testid?: string; title?: string } = {}): HTMLElement {
  if (pickedHost !== undefined) {
    return h('span', { class: 'node-name', title: `${protocol} on ${pickedHost} (node pages show this machine's nodes only)` }, protocol);
  }
  return h('a', { href: href.node(protocol), class: 'node-link', ...attrs }, protocol);
}
