/** Small pieces every page uses: loading data, showing errors, badges, buttons that run an action. */
import { useCallback, useEffect, useRef, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import { useI18n, type Translate } from '../i18n/index.tsx';

/** A translated, human message for any error: its reason (or else its code) in the reader's language, with the fields at fault. */
export function useErrorText(): (err: unknown) => string {
  const { t, tMaybe, dateTime } = useI18n();
  return useCallback(
    (err: unknown) => {
      // The server's English message is for logs: the reader gets the reason (or the code) in their language.
      if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
        const { code, reason, params } = err as { code: string; reason?: unknown; params?: Record<string, string | number> };
        const localParam = (key: string, v: string | number) => (typeof v !== 'string' ? v : isoInstant.test(v) ? dateTime(v) : key === 'status' ? (tMaybe(`status.${v}`) ?? v) : v);
        const localParams = Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, localParam(k, v)]));
        const text = (typeof reason === 'string' ? tMaybe(`error.reason.${reason}`, localParams) : null) ?? tMaybe(`error.${code}`) ?? t('error.unknown', { code });
        const fields = err instanceof ApiError ? err.fields : [];
        return fields.length > 0 ? `${text} ${t('error.fields', { fields: [...new Set(fields.map((f) => f.split('.')[0]!))].map((f) => tMaybe(`field.${f}`) ?? f).join(', ') })}` : text;
      }
      if (err instanceof DOMException && err.name === 'NotAllowedError') return t('error.media_denied');
      // No such device on this machine, or one another program holds.
      if (err instanceof DOMException && (err.name === 'NotFoundError' || err.name === 'OverconstrainedError')) return t('error.media_missing');
      if (err instanceof DOMException && err.name === 'NotReadableError') return t('error.media_busy');
      return t('error.unexpected', { message: err instanceof Error ? err.message : String(err) });
    },
    [t, tMaybe, dateTime],
  );
}

const isoInstant = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

export function ErrorBanner({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const text = useErrorText();
  const { t } = useI18n();
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{text(error)}</span>
      {onClose && (
        <button className="link" onClick={onClose} aria-label={t('common.dismiss')}>
          ×
        </button>
      )}
    </div>
  );
}

/** Loads data, reloads on demand and when `deps` change; errors are kept for display. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error) => mine === generation.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: useCallback(() => setTick((n) => n + 1), []),
  };
}

/** A button that runs an async action, shows that it is busy, and reports a failure through onError. */
export function ActionButton({
  action,
  onError,
  children,
  ...rest
}: { action: () => Promise<unknown>; onError: (err: unknown) => void; children: ReactNode } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onError'>) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      {...rest}
      disabled={busy || rest.disabled}
      aria-busy={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await action();
        } catch (err) {
          onError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      {children}
    </button>
  );
}

/** The <option>s of a select: one per item, its value by `value` (the item itself by default). */
export function Options<T>({ items, label, value = String }: { items: readonly T[] | undefined; label: (item: T) => string; value?: (item: T) => string }) {
  return (
    <>
      {items?.map((item) => (
        <option key={value(item)} value={value(item)}>
          {label(item)}
        </option>
      ))}
    </>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted">{t('common.loading')}</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

export function StatusBadge({ status }: { status: string }) {
  const { tMaybe } = useI18n();
  return <span className={`badge badge-${status}`}>{tMaybe(`status.${status}`) ?? status}</span>;
}

export function VerdictBadge({ outcome }: { outcome: string | null }) {
  const { t, tMaybe } = useI18n();
  if (!outcome) return <span className="badge">{t('verdict.none')}</span>;
  return <span className={`badge badge-verdict-${outcome}`}>{tMaybe(`verdict.${outcome}`) ?? outcome}</span>;
}

/** Where a rectification stands: overdue (still open past its day) first, else its status. */
export function RectificationBadge({ status, overdue }: { status: 'open' | 'reported' | 'accepted'; overdue: boolean }) {
  const { t } = useI18n();
  return <span className={`badge rectification-${overdue ? 'overdue' : status}`}>{t(overdue ? 'rectification.overdue' : `rectification.status.${status}`)}</span>;
}

/** The text of a timeline event in the reader's language. */
export function describeEvent(event: { kind: string; payload: Record<string, unknown> }, t: Translate, tMaybe: (k: string, p?: Record<string, string | number>) => string | null): string {
  const p = event.payload;
  switch (event.kind) {
    case 'joined':
    case 'left':
      return t(event.kind === 'joined' ? 'timeline.joined' : 'timeline.left', { name: String(p.name ?? ''), role: tMaybe(`sessionRole.${String(p.role)}`) ?? String(p.role ?? '') });
    case 'command':
      return t('timeline.command', { text: commandText(p, tMaybe) });
    case 'acknowledgement':
      return t('timeline.acknowledgement');
    case 'snapshot':
      if (p.source === 'upload') return t('timeline.photo');
      return String(p.source ?? '').startsWith('camera:') ? t('timeline.snapshot', { label: String(p.label ?? '') }) : t('timeline.snapshotOfPerson', { name: String(p.name ?? p.label ?? '') });
    case 'detection':
      return t('timeline.count', { camera: String(p.camera ?? ''), count: Number(p.count ?? 0) });
    case 'alarm':
      return t('timeline.alarm', { rule: tMaybe(`rule.${String(p.rule)}`) ?? String(p.rule) });
    case 'verdict':
      return t('timeline.verdict', { outcome: tMaybe(`verdict.${String(p.outcome)}`) ?? String(p.outcome) });
    default:
      if (p.kind === 'loading_batch_closed' || p.kind === 'loading_batch_opened')
        return tMaybe(`timeline.${p.kind}`, { camera: String(p.camera ?? ''), counted: Number(p.counted ?? 0), expected: Number(p.expected ?? 0) }) ?? String(p.kind);
      if (p.kind === 'recording_gap') return t('timeline.recording_gap', { seconds: Math.round(Number(p.gapMs ?? 0) / 1000) });
      if (p.kind === 'media_moved') {
        const seconds = typeof p.silentMs === 'number' ? Math.round(p.silentMs / 1000) : null;
        if (p.reason === 'node_restarted') return t('timeline.media_moved_restarted', { seconds: seconds ?? 0 });
        if (p.reason === 'node_lost') return seconds === null ? t('timeline.media_moved_lost_unknown') : t('timeline.media_moved_lost', { seconds });
        return t('timeline.media_moved_draining');
      }
      return t('timeline.note');
  }
}

/** A command in the reader's language: presets are translated, free text is shown as written. */
export function commandText(p: Record<string, unknown>, tMaybe: (k: string, p?: Record<string, string | number>) => string | null): string {
  if (typeof p.preset === 'string') {
    const params = (p.params ?? {}) as Record<string, string | number>;
    const text = tMaybe(`command.${p.preset}`, params);
    if (text) return text;
  }
  return String(p.text ?? '');
}

export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const { t } = useI18n();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className={`modal${wide ? ' modal-wide' : ''}`} role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <header>
          <h2>{title}</h2>
          <button className="link" onClick={onClose} aria-label={t('common.close')}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

/** Minutes-precision value for <input type="datetime-local"> in local time. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * A date (or date and time) field that shows its value in the page's language: the browser's own field
 * follows the operating system's locale (mm/dd/yyyy inside a Chinese page), so it is kept for its picker
 * and keyboard entry, transparent over the value written with Intl.
 */
export function LocalDateInput({ type, value, onChange, name, required }: { type: 'date' | 'datetime-local'; value: string; onChange: (value: string) => void; name: string; required?: boolean }) {
  const { dateOnly, dateTime } = useI18n();
  const shown = !value ? '' : type === 'date' ? dateOnly(`${value}T00:00`) : dateTime(value);
  return (
    <span className="local-date">
      <span className="local-date-value" aria-hidden>
        {shown || '—'}
      </span>
      <input
        type={type}
        name={name}
        value={value}
        required={required}
        onChange={(e) => onChange(e.target.value)}
        onClick={(e) => {
          try {
            e.currentTarget.showPicker();
          } catch {
            // Older browsers: the field still takes typing.
          }
        }}
      />
    </span>
  );
}
