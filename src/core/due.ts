/**
 * The keys at the front of a map kept in deadline order (insertion order, every entry waiting the same
 * time) whose value is due, oldest first: the walk stops at the first one that is not, so a sweep costs
 * what it frees, not what it holds. Collected first, so the caller may delete while acting on them.
 */
export function dueFront<K, V>(entries: ReadonlyMap<K, V>, isDue: (value: V) => boolean): K[] {
  const due: K[] = [];
  for (const [key, value] of entries) {
    if (!isDue(value)) break;
    due.push(key);
  }
  return due;
}
