// DOM helpers for the chat page. User data only ever reaches the page as textContent.

/** The element with that id; throws when the page lacks it (a build mistake, not a runtime condition). */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}.`);
  return element as T;
}

/** Creates an element with a class and text content (never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A clock time for a message, and its full date for the tooltip. */
export function formatTime(ts: number): { short: string; iso: string } {
  const date = new Date(ts);
  return {
    short: date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
    iso: date.toISOString(),
  };
}
