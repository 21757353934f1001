import { describe, expect, it } from 'vitest';
import { jobTrigrams, maxProbes, probeTrigrams, trigrams } from '../../../server/adapters/mysql/trigrams.js';

describe('trigrams', () => {
  it('is every 3-character window, each once, in order of first appearance', () => {
    expect(trigrams('grow-1')).toEqual(['gro', 'row', 'ow-', 'w-1']);
    expect(trigrams('aaaa')).toEqual(['aaa']);
    expect(trigrams('abcabc')).toEqual(['abc', 'bca', 'cab']);
  });

  it('has none for text shorter than 3 characters', () => {
    expect(trigrams('')).toEqual([]);
    expect(trigrams('ab')).toEqual([]);
    expect(trigrams('abc')).toEqual(['abc']);
  });

  it('counts characters by code point, as MySQL does, so an emoji is one character', () => {
    expect(trigrams('a🌍bc')).toEqual(['a🌍b', '🌍bc']);
    expect(trigrams('olá')).toEqual(['olá']);
  });

  it('keeps case and LIKE wildcards as written (the collation and the LIKE escape deal with them)', () => {
    expect(trigrams('AbC')).toEqual(['AbC']);
    expect(trigrams("50%_'x")).toEqual(['50%', '0%_', "%_'", "_'x"]);
  });
});

describe('jobTrigrams', () => {
  it('is the trigrams of the name and of the image, each once', () => {
    expect(jobTrigrams({ name: 'box-1', image: 'busybox' })).toEqual(['box', 'ox-', 'x-1', 'bus', 'usy', 'syb', 'ybo']);
  });
});

describe('probeTrigrams', () => {
  it('is every trigram of a short term, and none below 3 characters', () => {
    expect(probeTrigrams('grow-99')).toEqual(['gro', 'row', 'ow-', 'w-9', '-99']);
    expect(probeTrigrams('gr')).toEqual([]);
  });

  it('spreads at most maxProbes over a long term, from its first trigram to its last', () => {
    const term = 'abcdefghijklmnopqrstuvwxyz';
    const probes = probeTrigrams(term);
    expect(probes).toHaveLength(maxProbes);
    expect(probes[0]).toBe('abc');
    expect(probes[probes.length - 1]).toBe('xyz');
    expect(new Set(probes).size).toBe(maxProbes);
    for (const gram of probes) expect(term).toContain(gram);
  });
});
