/* global document, setTimeout, URL, HTMLElement */
/**
 * Small DOM helpers. Everything the server or the user typed reaches the page as text
 * (`textContent`, text nodes), never as markup: the console's CSP enforces Trusted Types
 * with no policy, so an HTML sink such as `innerHTML` would throw anyway.
 */

/**
 * The element with this id, checked to be of the expected type.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: never[]) => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no #${id} of the expected kind.`);
  return node;
}

/**
 * A new element with text, attributes and children (strings become text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * Shows or hides elements (the `hidden` attribute: no inline styles under the CSP).
 * @param {boolean} visible
 * @param {...HTMLElement} nodes
 */
export function show(visible, ...nodes) {
  for (const node of nodes) node.hidden = !visible;
}

/**
 * Moves keyboard and screen-reader focus to a heading or region after a view change.
 * @param {HTMLElement} node
 */
export function focus(node) {
  node.focus({ preventScroll: false });
}

/**
 * A `<time>` element showing an ISO timestamp in the reader's locale.
 * @param {string | null} iso
 */
export function time(iso) {
  if (!iso) return el('span', { text: '—' });
  const date = new Date(iso);
  return el('time', { text: date.toLocaleString(), attrs: { datetime: iso } });
}

/**
 * Hands the browser a file to save (an object URL on a `download` link, never markup).
 * @param {string} filename
 * @param {Blob} blob
 */
export function saveBlob(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { attrs: { href: url, download: filename, hidden: '' } });
  document.body.append(link);
  link.click();
  link.remove();
  // Later, not at once: the download may still be reading the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * "15 minutes", "40 seconds", "2 hours": for retry times.
 * @param {number} seconds
 */
export function duration(seconds) {
  /** @param {number} n @param {string} unit */
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(Math.max(1, seconds), 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  return plural(Math.ceil(minutes / 60), 'hour');
}

/** @type {[RegExp, string][]} */
const BROWSERS = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
/** @type {[RegExp, string][]} */
const SYSTEMS = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];

/**
 * "Chrome on Linux" from a user-agent string, or the (shortened) string when it is unusual.
 * @param {string | null} ua
 */
export function describeUserAgent(ua) {
  if (!ua) return 'Unknown browser';
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua));
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua));
  return system ? `${browser[1]} on ${system[1]}` : browser[1];
}
