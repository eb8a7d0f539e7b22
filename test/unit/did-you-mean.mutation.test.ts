/**
 * didYouMean's rules one at a time, on made-up words whose edit distances are counted by hand
 * (the loader tests only reach it through a few real typos): the threshold max(2, ⌊len/3⌋), the
 * "keep one character" rule, alphabetical ties, and the prefix fallback with its 4-character and
 * half-length floors.
 */
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../harness/scenario/did-you-mean.ts';
import { suggestTimezone } from '../../harness/scenario/timezone-suggest.ts';

describe('didYouMean: edit distance', () => {
  it('allows max(2, ⌊len/3⌋) edits: 3 for a 9-letter word, not 4', () => {
    expect(didYouMean('abcdefghi', ['abcdefXYZ'])).toBe('abcdefXYZ'); // 3 substitutions
    expect(didYouMean('abcdefghi', ['abcdeWXYZ'])).toBeUndefined(); // 4
    expect(didYouMean('abcdef', ['abcdXY'])).toBe('abcdXY'); // 6 letters: still 2
    expect(didYouMean('abcdef', ['abcXYZ'])).toBeUndefined(); // 3 > 2
  });

  it('keeps at least one character of the word, and never suggests the word itself', () => {
    expect(didYouMean('x', ['y'])).toBeUndefined(); // 1 edit, but nothing of "x" is left
    expect(didYouMean('ab', ['ax'])).toBe('ax');
    expect(didYouMean('ab', ['xy'])).toBeUndefined(); // 2 edits for 2 letters
    expect(didYouMean('office', ['office'])).toBeUndefined();
    expect(didYouMean('Office', ['office'])).toBe('office'); // case-insensitive, but a different spelling
  });

  it('the closest wins whatever the order; ties go to the alphabetically first', () => {
    expect(didYouMean('hello', ['help', 'hellp'])).toBe('hellp');
    expect(didYouMean('hello', ['hellp', 'help'])).toBe('hellp');
    expect(didYouMean('cat', ['cut', 'cot'])).toBe('cot');
    expect(didYouMean('cat', ['cot', 'cut'])).toBe('cot');
    // A farther candidate does not win by being alphabetically first ("abt" is 2 edits, "cot" 1).
    expect(didYouMean('cat', ['cot', 'abt'])).toBe('cot');
  });
});

describe('didYouMean: a word that extends a key, or a key it shortens', () => {
  it('expectations → expect (6 edits away), not operations', () => {
    expect(didYouMean('expectations', ['operations', 'expect'])).toBe('expect');
    expect(didYouMean('abcd', ['abcdefgh'])).toBe('abcdefgh'); // the word is the short side
  });

  it('an edit-distance match within two edits beats the prefix; three edits do not', () => {
    expect(didYouMean('abcdefgh', ['abcdefXY', 'abcd'])).toBe('abcdefXY'); // 2 edits
    expect(didYouMean('abcdefghijkl', ['abcdefghiXYZ', 'abcdefgh'])).toBe('abcdefgh'); // 3 edits lose to the prefix
  });

  it('the shared part must be at least 4 characters and half the longer word', () => {
    expect(didYouMean('abcdefgh', ['abcd'])).toBe('abcd'); // 4 of 8
    expect(didYouMean('abcdefghi', ['abcd'])).toBeUndefined(); // 4 of 9
    expect(didYouMean('abcdef', ['abc'])).toBeUndefined(); // 3 characters
    expect(didYouMean('abcdefgh', ['bcdefghXYZ'])).toBeUndefined(); // not a prefix
  });

  it('among prefixes the smallest gap wins, then the alphabetically first', () => {
    expect(didYouMean('abcdef', ['abcdefXYZW', 'abcdefXYZ'])).toBe('abcdefXYZ');
    expect(didYouMean('abcdef', ['abcdefXYZ', 'abcdefABC'])).toBe('abcdefABC');
    expect(didYouMean('abcdef', ['abcdefABC', 'abcdefXYZ'])).toBe('abcdefABC');
    // A larger gap does not win by being alphabetically first.
    expect(didYouMean('abcdef', ['abcdefXYZ', 'abcdefABCD'])).toBe('abcdefXYZ');
    // Keys shorter than the word: the gap is what is missing (7 of 10 beats 6 of 10).
    expect(didYouMean('abcdefghij', ['abcdef', 'abcdefg'])).toBe('abcdefg');
  });
});

describe('suggestTimezone', () => {
  it('knows UTC, whole names and city names with spaces', () => {
    expect(suggestTimezone('UTX')).toBe('UTC');
    expect(suggestTimezone('Europe/Berln')).toBe('Europe/Berlin');
    expect(suggestTimezone('los angeles')).toBe('America/Los_Angeles');
    expect(suggestTimezone('Asia/Tokio')).toBe('Asia/Tokyo');
    // The whole name is tried first: its last part alone ("ver") names no city.
    expect(suggestTimezone('America/Den/ver')).toBe('America/Denver');
  });

  it('a space stands for the underscore, not for nothing: "dar es slm" is 3 edits from Dar_es_Salaam, "dareslm" 5', () => {
    // 10 characters allow 3 edits (s→sa, +a, +a); without the two underscores the 7 left allow 2.
    expect(suggestTimezone('dar es slm')).toBe('Africa/Dar_es_Salaam');
    expect(suggestTimezone('port of spn')).toBe('America/Port_of_Spain');
  });
});
