import { describe, expect, it } from 'vitest';
import { disambiguateName, storedNameForm } from '../../migrations/0002_name_keys.js';
import { BadInputError } from '../../src/shared/errors.js';
import { MAX_NAME_LENGTH, nameFilterKey, nameKey, validateName } from '../../src/shared/names.js';
import { decodeCursor, encodeCursor } from '../../src/shared/pagination.js';

const ID = '01J00000000000000000000000';

function refusal(fn: () => unknown): { field: string; reason: string | undefined } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadInputError) return { field: error.field, reason: error.reason };
    throw error;
  }
  return undefined;
}

describe('validateName', () => {
  it('stores names trimmed and in NFC', () => {
    expect(validateName('name', '  Cafe\u0301 ')).toBe('Caf\u00e9');
    expect(validateName('name', '\u3000Team\u00a0')).toBe('Team');
  });

  it('keeps what a real name needs: emoji sequences, RTL marks, scripts', () => {
    for (const name of ['👩‍💻 Team ❤️', 'שלום\u200f 2024', 'İstanbul', 'Straße', 'ΟΔΟΣ', 'نام\u200cها']) {
      expect(validateName('name', name)).toBe(name.normalize('NFC'));
    }
  });

  it.each([
    ['', 'NAME_EMPTY'],
    [' \t ', 'NAME_EMPTY'],
    ['\u200b\u200c\u200d\u2060\ufeff', 'NAME_EMPTY'],
    ['\u3164\u115f\u1160\uffa0', 'NAME_EMPTY'],
    ['\u00ad \u034f \ufe0f', 'NAME_EMPTY'],
    ['\u2800', 'NAME_EMPTY'],
    ['bell\u0007', 'NAME_CONTROL_CHARACTERS'],
    ['nul\u0000', 'NAME_CONTROL_CHARACTERS'],
    ['c1\u0085', 'NAME_CONTROL_CHARACTERS'],
    ['line\u2028sep', 'NAME_CONTROL_CHARACTERS'],
    ['lone \ud800', 'INVALID_UNICODE'],
    ['\udc00 lone', 'INVALID_UNICODE'],
    ['swapped \udc00\ud800', 'INVALID_UNICODE'],
    ...['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'].map((c): [string, string] => [`a${c}b`, 'NAME_BIDI_CONTROL']),
  ])('refuses %j with %s', (name, reason) => {
    expect(refusal(() => validateName('name', name))).toEqual({ field: 'name', reason });
  });

  it('counts code points, not UTF-16 units', () => {
    expect(validateName('name', '😀'.repeat(MAX_NAME_LENGTH))).toHaveLength(2 * MAX_NAME_LENGTH);
    expect(refusal(() => validateName('name', '😀'.repeat(MAX_NAME_LENGTH + 1)))).toEqual({ field: 'name', reason: 'NAME_TOO_LONG' });
    // NFC first: 255 decomposed "é" are 510 code points but 255 once composed.
    expect(validateName('name', 'e\u0301'.repeat(MAX_NAME_LENGTH))).toBe('\u00e9'.repeat(MAX_NAME_LENGTH));
  });
});

describe('nameKey', () => {
  it.each([
    ['case across Unicode', ['École', 'école', 'ÉCOLE']],
    ['canonical equivalence', ['Caf\u00e9', 'Cafe\u0301', 'CAFE\u0301']],
    ['both accents and case', ['École', 'e\u0301cole']],
    ['Greek sigma in every form', ['Σ', 'σ', 'ς']],
    ['final sigma inside words', ['ΟΔΟΣ', 'οδος', 'οδοσ']],
    ['German sharp s, including capital ẞ', ['straße', 'STRASSE', 'STRAẞE', 'Strasse']],
    ['compatibility forms', ['Ｔｅａｍ', 'team', 'TEAM']],
    ['ligatures', ['ﬁle', 'FILE', 'file']],
    ['dotted capital I', ['İ', 'i\u0307']],
    ['Cherokee', ['Ꭰ', 'ꭰ']],
    ['invisible characters', ['Te\u200bam', 'Team', 'T\u00adeam', 'Team\ufe0f']],
    ['white space runs', ['Team  A', 'team a', 'Team\u3000A', 'Team\u00a0\tA']],
  ])('%s are one name', (_, names) => {
    const keys = new Set(names.map(nameKey));
    expect(keys.size).toBe(1);
  });

  it.each([
    ['dotless ı and i, which Unicode case folding keeps apart', 'ı', 'i'],
    ['accented and plain letters', 'é', 'e'],
    ['a space and none', 'a b', 'ab'],
    ['different words', 'alpha', 'beta'],
  ])('%s stay different', (_, a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
  });

  it('is a fixed point for every code point of the Basic Multilingual Plane', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const key = nameKey(String.fromCodePoint(cp));
      if (nameKey(key) !== key) unstable.push(cp.toString(16));
    }
    expect(unstable).toEqual([]);
  });
});

describe('nameFilterKey', () => {
  it('is no filter when absent, blank or invisible', () => {
    for (const raw of [undefined, null, '', '   ', '\u200b\ufeff']) expect(nameFilterKey('nameContains', raw)).toBeUndefined();
  });

  it('folds like names, so a filter matches inside stored keys', () => {
    expect(nameFilterKey('nameContains', ' ÉCOLE ')).toBe(nameKey('école'));
    expect(nameKey('Grande École Normale')).toContain(nameFilterKey('nameContains', 'e\u0301cole'));
    expect(nameKey('Straßenbau')).toContain(nameFilterKey('nameContains', 'STRASS'));
  });

  it.each([
    ['NUL', 'a\u0000', 'NUL_CHARACTER'],
    ['a lone surrogate', 'a\ud800', 'INVALID_UNICODE'],
    ['256 code points', 'x'.repeat(256), 'NAME_FILTER_TOO_LONG'],
  ])('refuses %s', (_, raw, reason) => {
    expect(refusal(() => nameFilterKey('nameContains', raw))).toEqual({ field: 'nameContains', reason });
  });

  it('counts code points like names do', () => {
    expect(nameFilterKey('nameContains', '😀'.repeat(MAX_NAME_LENGTH))).toBe('😀'.repeat(MAX_NAME_LENGTH));
  });
});

describe('decodeCursor', () => {
  it('round-trips what encodeCursor wrote', () => {
    expect(decodeCursor(encodeCursor({ key: 'école (2)', id: ID }))).toEqual({ key: 'école (2)', id: ID });
  });

  it.each([
    ['a key with NUL', ['a\u0000', ID]],
    ['a key with a lone surrogate', ['\ud800', ID]],
    ['an id that is no id', ['a', 'nope']],
    ['an id with NUL', ['a', `${ID}\u0000`]],
    ['three parts', ['a', ID, 'x']],
  ])('refuses %s', (_, parts) => {
    const raw = Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
    expect(refusal(() => decodeCursor(raw))).toEqual({ field: 'after', reason: 'INVALID_CURSOR' });
  });
});

describe('migrating names that collide under the key', () => {
  it('appends the first free " (n)"', () => {
    expect(disambiguateName('école', new Set([nameKey('École')]))).toBe('école (2)');
    expect(disambiguateName('école', new Set([nameKey('École'), nameKey('ÉCOLE (2)')]))).toBe('école (3)');
  });

  it('shortens a long name by code points so the result is still a valid name', () => {
    const long = '😀'.repeat(MAX_NAME_LENGTH);
    const renamed = disambiguateName(long, new Set([nameKey(long)]));
    expect([...renamed]).toHaveLength(MAX_NAME_LENGTH);
    expect(renamed.endsWith(' (2)')).toBe(true);
    expect(renamed.isWellFormed()).toBe(true);
  });

  it('stores existing names in NFC unless that would make them too long', () => {
    expect(storedNameForm('Cafe\u0301')).toBe('Caf\u00e9');
    // U+0958 has a composition exclusion: NFC turns each into two code points.
    const expanding = '\u0958'.repeat(MAX_NAME_LENGTH);
    expect(storedNameForm(expanding)).toBe(expanding);
  });
});
