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

/** A message's time (with its date when it is not from today, by the page's clock) and its ISO form. */
export function formatTime(ts: number, now: number = Date.now()): { short: string; iso: string } {
  const date = new Date(ts);
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const today = new Date(now).toDateString() === date.toDateString();
  const day = date.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
  return { short: today ? time : `${day} ${time}`, iso: date.toISOString() };
}
