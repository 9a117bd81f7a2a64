import { describe, expect, it } from 'vitest';
import ko from '../src/i18n/ko.js';
import en from '../src/i18n/en.js';
import { translate } from '../src/i18n/index.jsx';
import { DEPARTMENTS, CLINIC_KINDS } from '../src/components/constants.js';

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('have exactly the same keys', () => {
    const k = Object.keys(ko).sort();
    const e = Object.keys(en).sort();
    expect(k.filter((x) => !(x in en))).toEqual([]);
    expect(e.filter((x) => !(x in ko))).toEqual([]);
    expect(k.length).toBeGreaterThan(100);
  });

  it('have no empty strings and the same placeholders in both languages', () => {
    for (const key of Object.keys(ko)) {
      expect(ko[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
      expect(placeholders(en[key]), key).toEqual(placeholders(ko[key]));
    }
  });

  it('name all 19 departments and every clinic type', () => {
    expect(DEPARTMENTS).toHaveLength(19);
    for (const d of DEPARTMENTS) {
      expect(ko[`dept.${d}`], d).toBeTruthy();
      expect(en[`dept.${d}`], d).toBeTruthy();
    }
    for (const k of CLINIC_KINDS) expect(ko[`kind.${k}`], k).toBeTruthy();
    expect(ko['dept.pediatrics']).toBe('소아청소년과');
  });

  it('every t() key used in the source exists', async () => {
    const files = import.meta.glob('../src/**/*.{js,jsx}', { query: '?raw', import: 'default', eager: true });
    const missing = [];
    for (const [file, src] of Object.entries(files)) {
      for (const m of src.matchAll(/\bt\(\s*'([a-z_]+(?:\.[A-Za-z_]+)+)'/g)) {
        if (!(m[1] in ko)) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('translate fills placeholders and falls back to the key', () => {
    expect(translate('en', 'common.total', { n: 3 })).toBe('3 results');
    expect(translate('ko', 'common.total', { n: 3 })).toBe('총 3건');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });
});
