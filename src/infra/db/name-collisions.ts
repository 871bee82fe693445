import { MAX_NAME_LENGTH, nameKey } from '../../shared/names.js';

/**
 * A name for a row whose name now equals a sibling's (same key): the name with the smallest " (n)",
 * n ≥ 2, whose key nobody in its scope holds. The name is shortened (by code points) when the
 * suffix would make it longer than a name may be.
 */
export function disambiguateName(name: string, takenKeys: ReadonlySet<string>): string {
  const chars = [...name];
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${chars.slice(0, MAX_NAME_LENGTH - suffix.length).join('').trimEnd()}${suffix}`;
    if (!takenKeys.has(nameKey(candidate))) return candidate;
  }
}

/** Existing names become NFC like new ones, unless that would make one longer than a name may be. */
export function storedNameForm(name: string): string {
  const nfc = name.normalize('NFC');
  return [...nfc].length <= MAX_NAME_LENGTH ? nfc : name;
}
