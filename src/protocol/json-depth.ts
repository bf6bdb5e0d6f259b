/** How deeply `emit` data may nest: deeper JSON cannot be re-encoded safely for relay. */
export const MAX_DATA_DEPTH = 64;

/** True when `value` nests arrays and objects deeper than `max` (checked without recursion). */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
