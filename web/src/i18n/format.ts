import { IntlMessageFormat } from 'intl-messageformat';

/** Compiled ICU messages, per language and text (a few hundred at most). */
const compiled = new Map<string, IntlMessageFormat | null>();

/**
 * A message in ICU syntax (`{name}`, `{n, plural, one {# alarm} other {# alarms}}`, with the language's
 * plural rules) filled with `params`. A message that cannot be formatted shows as written, never breaks a page.
 */
export function formatMessage(locale: string, template: string, params?: Record<string, string | number>): string {
  if (!template.includes('{')) return template;
  const cacheKey = `${locale}\u0000${template}`;
  let message = compiled.get(cacheKey);
  if (message === undefined) {
    try {
      message = new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
    } catch {
      message = null;
    }
    compiled.set(cacheKey, message);
  }
  if (!message) return template;
  try {
    return String(message.format(params));
  } catch {
    return template;
  }
}
