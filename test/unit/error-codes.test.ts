import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BYE_CODES, ERROR_CODES, ERRORS, HTTP_ERROR_CODES, statusOf } from '../../src/protocol/errors.js';

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

  it('gives each protocol code the HTTP status the table lists beside it', () => {
    const section = doc.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
    const listed = Object.fromEntries(
      [...section.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]),
    );
    const registered = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, statusOf(code)]));
    expect(listed).toEqual(registered);
  });

  it('derives the protocol and HTTP code lists from the one registry, without overlap', () => {
    const all = Object.keys(ERRORS).sort();
    expect([...Object.keys(ERROR_CODES), ...Object.keys(HTTP_ERROR_CODES)].sort()).toEqual(all);
    for (const code of all) {
      const entry = ERRORS[code as keyof typeof ERRORS];
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.message.length).toBeGreaterThan(0);
    }
    expect(statusOf('internal')).toBe(500);
    expect(statusOf('not_a_code')).toBe(400);
  });

  it('keeps every code in snake_case', () => {
    for (const code of [...Object.keys(ERROR_CODES), ...Object.keys(BYE_CODES)])
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
