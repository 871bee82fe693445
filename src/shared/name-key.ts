/**
 * The comparison key of a name: two names are the same name exactly when their keys are equal.
 * Uniqueness (tenants, sibling workspaces, groups, a user's active API keys), `nameContains` and
 * list order all use it. It is computed here and stored in `name_key`, never by PostgreSQL, whose
 * lower() follows the server's locale (ASCII only under the embedded server's "C" locale), so the
 * rule is the same on every server.
 *
 * The rule is Unicode's NFKC_Casefold (UAX #44, the key for caseless matching of identifiers), with
 * white space collapsed:
 *  1. NFKC: canonically equivalent text is the same (NFC "Café" = NFD "Cafe\u0301"), and so are
 *     compatibility variants that look alike (fullwidth "Ｔｅａｍ" = "Team", "ﬁ" = "fi").
 *  2. Full case folding: "École" = "école", "Σ" = "σ" = "ς", "straße" = "STRASSE", "İ" = "i̇".
 *     JavaScript has no case-fold function, so each code point goes through toUpperCase() then
 *     toLowerCase(), one at a time so that Final_Sigma cannot turn σ into ς. That equals Unicode's
 *     full folding on every code point but U+0131 (dotless ı), which folding keeps apart from "i";
 *     so do we.
 *  3. Default-ignorable code points (zero-width space and joiners, soft hyphen, bidi marks,
 *     variation selectors, fillers) are removed: "Te\u200bam" = "Team".
 *  4. Runs of white space become one space, and the ends are trimmed: "Team  A" = "Team A".
 * The steps repeat until nothing changes ("ẞ" → "ß" → "ss" takes two rounds), so the key is a fixed
 * point, key(key(x)) = key(x), which lets `nameContains` fold its filter with the same function.
 *
 * Checked once against Python's unicodedata (NFKC(casefold(NFKC(c))), Unicode 14) for every assigned
 * code point: the same classes of equal characters, except where steps 3 and 4 apply. Keys depend on
 * the Unicode version of Node's ICU only for characters that version newly assigns or re-cases.
 */
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
// \s is Unicode White_Space plus the line terminators.
const WHITE_SPACE_RUN = /\s+/gu;
const DOTLESS_I = '\u0131';
// Every code point reaches its fixed point within three rounds; more would be a bug, not data.
const MAX_ROUNDS = 8;

export function nameKey(name: string): string {
  let key = name;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = foldRound(key);
    if (next === key) return key;
    key = next;
  }
  return key;
}

function foldRound(text: string): string {
  return foldCase(text.normalize('NFKC')).normalize('NFKC').replace(DEFAULT_IGNORABLE, '').replace(WHITE_SPACE_RUN, ' ').trim();
}

function foldCase(text: string): string {
  let folded = '';
  for (const c of text) folded += c === DOTLESS_I ? c : c.toUpperCase().toLowerCase();
  return folded;
}
