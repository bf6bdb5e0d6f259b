import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BYE_CODES, ERROR_CODES } from '../../src/protocol/errors.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The codes listed in the first column of the table under a "## heading". */
function tableCodes(heading: string): string[] {
  const section = doc.split(`## ${heading}`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1] as string);
}

describe('error code registry and docs/protocol.md', () => {
  it('lists exactly the registered error codes', () => {
    expect(tableCodes('Error codes').sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('lists exactly the registered bye codes', () => {
    expect(tableCodes('Bye codes').sort()).toEqual(Object.keys(BYE_CODES).sort());
  });

  it('keeps every code in snake_case', () => {
    for (const code of [...Object.keys(ERROR_CODES), ...Object.keys(BYE_CODES)])
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
