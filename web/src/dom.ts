/** A tiny element builder: enough for a dashboard, no framework. Text is always set as text (no HTML injection). */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'testid') {
      el.dataset.testid = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el: HTMLElement, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A card: a titled section of the dashboard with a body the views fill. */
export function card(title: string, testid: string, ...extra: Child[]): { root: HTMLElement; body: HTMLElement; actions: HTMLElement } {
  const actions = h('div', { class: 'card-actions' }, ...extra);
  const body = h('div', { class: 'card-body' });
  const root = h('section', { class: 'card', testid }, h('header', { class: 'card-head' }, h('h2', {}, title), actions), body);
  return { root, body, actions };
}

export function empty(message: string, testid = 'empty'): HTMLElement {
  return h('p', { class: 'empty', testid }, message);
}
