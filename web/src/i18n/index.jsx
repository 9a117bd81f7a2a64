import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import ko from './ko.js';
import en from './en.js';

export const dictionaries = { ko, en };
export const LANGS = ['ko', 'en'];
const STORAGE_KEY = 'medi.lang';

/** Fills `{name}` placeholders; a missing key shows the key (tests catch it). */
export function translate(lang, key, vars) {
  const dict = dictionaries[lang] || ko;
  let s = dict[key] ?? ko[key] ?? key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  }
  return s;
}

export function initialLang() {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    /* storage unavailable */
  }
  return 'ko';
}

const I18nContext = createContext({ lang: 'ko', setLang: () => {}, t: (k, v) => translate('ko', k, v) });

export function I18nProvider({ children, lang: fixed }) {
  const [lang, setLangState] = useState(fixed || initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name') + ' · ' + translate(lang, 'app.tagline');
  }, [lang]);
  const setLang = useCallback((l) => {
    if (!LANGS.includes(l)) return;
    try {
      window.localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* storage unavailable */
    }
    setLangState(l);
  }, []);
  const t = useCallback((key, vars) => translate(lang, key, vars), [lang]);
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  return useContext(I18nContext);
}

/** Picks the `_ko` or `_en` field of an API object, falling back to Korean. */
export function pick(obj, base, lang) {
  if (!obj) return '';
  return (lang === 'en' ? obj[`${base}_en`] : obj[`${base}_ko`]) || obj[`${base}_ko`] || obj[`${base}_en`] || '';
}
