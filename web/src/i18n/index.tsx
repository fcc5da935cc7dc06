/**
 * Every user-facing string goes through t(). English defines the keys (en.ts); zh-CN and ru must have
 * every one of them (the type checker says so). A missing translation at run time shows the key itself,
 * which the language walk test looks for.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { formatMessage } from './format.ts';
import { en, type MessageKey, type Messages } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { ru } from './ru.ts';

export type { MessageKey } from './en.ts';
export const LOCALES = ['zh-CN', 'en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English', ru: 'Русский' };
const catalogues: Record<Locale, Messages> = { 'zh-CN': zhCN, en, ru };
const STORAGE_KEY = 'watchpost.locale';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  /** A translation if the key exists (for codes from the server, e.g. error.<code>), otherwise null. */
  tMaybe: (key: string, params?: Record<string, string | number>) => string | null;
  dateTime: (iso: string | Date) => string;
  /** The day only, in the page's language. */
  dateOnly: (iso: string | Date) => string;
  time: (iso: string | Date) => string;
  /** Hours and minutes only (the end of a slot). */
  clock: (iso: string | Date) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLocale(stored)) return stored;
  const browser = navigator.language;
  if (browser.startsWith('ru')) return 'ru';
  if (browser.startsWith('en')) return 'en';
  return 'zh-CN';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const messages = catalogues[locale];
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const dayFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
    const clockFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
    document.documentElement.lang = locale;
    return {
      locale,
      setLocale,
      t: (key, params) => formatMessage(locale, messages[key] ?? key, params),
      tMaybe: (key, params) => (key in messages ? formatMessage(locale, messages[key as MessageKey], params) : null),
      dateTime: (iso) => dateFormat.format(new Date(iso)),
      dateOnly: (iso) => dayFormat.format(new Date(iso)),
      time: (iso) => timeFormat.format(new Date(iso)),
      clock: (iso) => clockFormat.format(new Date(iso)),
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}
